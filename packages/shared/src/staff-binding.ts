import { isMerchantKey } from './merchant-key.js';
import { QR_TOKEN_LENGTH, QR_TOKEN_PREFIX } from './qr-token.js';

/**
 * What a staff binding QR (or a typed text) can carry. One kind today: the staff key itself. A new way
 * to bind (a shop owner's one-time invite) is one more member of this union and one more path below.
 */
export type StaffBinding = { kind: 'key'; key: string };

export type StaffBindingParse = { ok: true; binding: StaffBinding } | { ok: false; reason: string };

/**
 * The binding QR's path on the server's origin: `https://<server>/staff/bind#<staff key>`. The key rides
 * in the fragment, which a browser that opens the URL never sends to any server.
 */
export const STAFF_BIND_PATH = '/staff/bind';

/** The text of a binding QR for `key` on the server at `origin` (no trailing slash). */
export function staffBindingUrl(origin: string, key: string): string {
  return `${origin}${STAFF_BIND_PATH}#${key}`;
}

// scheme://authority, then path, query and fragment; no whitespace anywhere.
const URL_RE = /^(https?):\/\/([^/?#\s]+)([^?#\s]*)(\?[^#\s]*)?(?:#(\S*))?$/i;

const NOT_A_BINDING = '无法识别的二维码，请扫描门店管理员提供的员工绑定码';

/**
 * Reads a binding from what a scanner (or WeChat's `q` launch option, decoded) or a person gave: a
 * binding URL on `serverOrigin` (the origin this copy of the mini-program talks to), or a bare staff key
 * (`spk_…`). Anything else is refused with a Chinese reason the staff can act on. Pure: no `wx`.
 */
export function parseStaffBinding(text: string, serverOrigin: string): StaffBindingParse {
  const input = text.trim();
  if (isMerchantKey(input)) return { ok: true, binding: { kind: 'key', key: input } };
  if (/^spk_/i.test(input)) return refuse('员工密钥格式不对，请核对后重试');
  if (input.startsWith(QR_TOKEN_PREFIX) && input.length === QR_TOKEN_LENGTH) return refuse('这是会员的二维码，请扫描员工绑定码');
  const url = URL_RE.exec(input);
  if (!url) return refuse(NOT_A_BINDING);
  const server = URL_RE.exec(serverOrigin.trim().replace(/\/+$/, ''));
  if (!server) return refuse('本小程序的服务器地址无效');
  const origin = normalOrigin(url[1]!, url[2]!);
  if (origin !== normalOrigin(server[1]!, server[2]!)) {
    return refuse(`这是另一台服务器（${origin}）的员工码，本小程序连接的是 ${normalOrigin(server[1]!, server[2]!)}，请向门店管理员索取本店的员工码`);
  }
  // The server may live under a path prefix (`https://host/scanpush`); the binding path follows it.
  const basePath = server[3]!;
  if (!url[3]!.startsWith(basePath)) return refuse(NOT_A_BINDING);
  const path = url[3]!.slice(basePath.length);
  switch (path) {
    case STAFF_BIND_PATH: {
      const key = decodeFragment(url[5] ?? '');
      if (!key) return refuse('员工绑定码不完整，请向门店管理员重新索取');
      return isMerchantKey(key) ? { ok: true, binding: { kind: 'key', key } } : refuse('员工绑定码里的密钥格式不对，请向门店管理员重新索取');
    }
    default:
      return refuse(NOT_A_BINDING);
  }
}

function refuse(reason: string): StaffBindingParse {
  return { ok: false, reason };
}

/** scheme://host[:port], lower-cased, without the scheme's default port. */
function normalOrigin(scheme: string, authority: string): string {
  const s = scheme.toLowerCase();
  const a = authority.toLowerCase().replace(s === 'https' ? /:443$/ : /:80$/, '');
  return `${s}://${a}`;
}

function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return '';
  }
}
