import { isMerchantKey } from './merchant-key.js';
import { LINK_URL_RE, normalOrigin } from './link-url.js';
import { QR_TOKEN_LENGTH, QR_TOKEN_PREFIX } from './qr-token.js';

/**
 * What a staff binding QR (or a typed text) can carry: the staff key itself (`/staff/bind#spk_…`, for API
 * clients and old keys), or a one-time invite code (`/staff/join#spi_…`) that the device redeems for a
 * staff key of its own (`POST /api/staff/join`).
 */
export type StaffBinding = { kind: 'key'; key: string } | { kind: 'invite'; code: string };

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

/** The invite QR's path: `https://<server>/staff/join#<invite code>`, the code in the fragment as above. */
export const STAFF_JOIN_PATH = '/staff/join';

/**
 * A one-time staff invite code: `spi_` and 16-128 url-safe characters (the server issues 43: 256 random
 * bits in base64url). It is the credential of `POST /api/staff/join` until redeemed, revoked or expired.
 */
export const INVITE_CODE_PREFIX = 'spi_';
const INVITE_CODE_RE = /^spi_[A-Za-z0-9_-]{16,128}$/;

export function isInviteCode(text: string): boolean {
  return INVITE_CODE_RE.test(text);
}

/** The text of an invite QR for `code` on the server at `origin` (no trailing slash). */
export function staffJoinUrl(origin: string, code: string): string {
  return `${origin}${STAFF_JOIN_PATH}#${code}`;
}

/** `POST /api/staff/join`: redeems an invite for this device. */
export interface StaffJoinRequest {
  code: string;
  /** Names the new staff credential (the phone's model, a till's name); 1-100 characters. */
  deviceName: string;
}

/** The new staff credential; `key` is answered this once and stored only as a hash. */
export interface StaffJoinResponse {
  key: string;
  merchantId: number;
  storeId: number;
  storeName: string;
}

/** `POST /api/admin/stores/:storeId/invites`: `code` is shown this once; `url` is the QR's text. */
export interface StaffInviteResponse {
  inviteId: number;
  code: string;
  url: string;
  /** ISO 8601. */
  expiresAt: string;
}


const NOT_A_BINDING = '无法识别的二维码，请扫描门店管理员提供的员工绑定码';

/**
 * Reads a binding from what a scanner (or WeChat's `q` launch option, decoded) or a person gave: a
 * binding or invite URL on `serverOrigin` (the origin this copy of the mini-program talks to), or a bare
 * staff key (`spk_…`) or invite code (`spi_…`). Anything else is refused with a Chinese reason the staff can act on. Pure: no `wx`.
 */
export function parseStaffBinding(text: string, serverOrigin: string): StaffBindingParse {
  const input = text.trim();
  if (isMerchantKey(input)) return { ok: true, binding: { kind: 'key', key: input } };
  if (isInviteCode(input)) return { ok: true, binding: { kind: 'invite', code: input } };
  if (/^spi_/i.test(input)) return refuse('员工邀请码格式不对，请核对后重试');
  if (/^spk_/i.test(input)) return refuse('员工密钥格式不对，请核对后重试');
  if (input.startsWith(QR_TOKEN_PREFIX) && input.length === QR_TOKEN_LENGTH) return refuse('这是会员的二维码，请扫描员工绑定码');
  const url = LINK_URL_RE.exec(input);
  if (!url) return refuse(NOT_A_BINDING);
  const server = LINK_URL_RE.exec(serverOrigin.trim().replace(/\/+$/, ''));
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
    case STAFF_JOIN_PATH: {
      const code = decodeFragment(url[5] ?? '');
      if (!code) return refuse('员工邀请码不完整，请向门店管理员重新索取');
      return isInviteCode(code) ? { ok: true, binding: { kind: 'invite', code } } : refuse('员工邀请码格式不对，请向门店管理员重新索取');
    }
    default:
      return refuse(NOT_A_BINDING);
  }
}

function refuse(reason: string): StaffBindingParse {
  return { ok: false, reason };
}

function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return '';
  }
}
