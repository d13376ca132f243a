import { parseId } from './decimal.js';
import { LINK_URL_RE, normalOrigin } from './link-url.js';
import type { Decoded } from './decoded.js';
import { QR_TOKEN_LENGTH, QR_TOKEN_PREFIX } from './qr-token.js';

/**
 * A store's 办卡 entry: the QR at the counter that a member without a card scans to open the member page
 * with that store on it. Its text is `<server origin>/m/store/<storeId>`:
 * - one WeChat 扫普通链接二维码 rule, the prefix `https://<domain>/m/store/` → `pages/member/index`, covers
 *   every store, and it does not overlap the staff rule (`https://<domain>/staff/` → the bind page);
 * - the store id is in the path, not the fragment as in the staff links: it is no secret, and a plain
 *   camera that opens the URL in a browser reaches the server, which answers a page naming the store.
 */
export const STORE_ENTRY_PATH = '/m/store/';

/** The 办卡 QR's text for `storeId` on the server at `origin` (no trailing slash). */
export function storeEntryUrl(origin: string, storeId: number): string {
  return `${origin}${STORE_ENTRY_PATH}${storeId}`;
}

/** `GET /api/stores/:storeId` (a signed-in member): the store an entry names, card or not. */
export interface StoreSummary {
  id: number;
  name: string;
}


const NOT_AN_ENTRY = '无法识别的二维码，请扫描门店的办卡码';

/**
 * Reads a store entry from what WeChat's `q` launch option (URL-encoded or decoded), `wx.scanCode` or a
 * person gave: the entry URL, a query or fragment after it ignored. With `serverOrigin` (the origin this
 * copy of the mini-program talks to) an entry of another server is refused, since its store id would
 * name another store here. Anything else is refused with a Chinese reason the member can act on. Pure.
 */
export function parseStoreEntry(text: string, serverOrigin?: string): Decoded<{ storeId: number }> {
  let input = text.trim();
  // WeChat hands `q` URL-encoded once; a caller that did not decode it still gets the store.
  if (/^https?%3A/i.test(input)) {
    try {
      input = decodeURIComponent(input);
    } catch {
      return refuse(NOT_AN_ENTRY);
    }
  }
  if (input.startsWith(QR_TOKEN_PREFIX) && input.length === QR_TOKEN_LENGTH) return refuse('这是会员的二维码，请扫描门店的办卡码');
  const url = LINK_URL_RE.exec(input);
  if (!url) return refuse(NOT_AN_ENTRY);
  let path = url[3]!;
  if (serverOrigin !== undefined) {
    const server = LINK_URL_RE.exec(serverOrigin.trim().replace(/\/+$/, ''));
    if (!server) return refuse('本小程序的服务器地址无效');
    const origin = normalOrigin(url[1]!, url[2]!);
    if (origin !== normalOrigin(server[1]!, server[2]!)) return refuse(`这是另一台服务器（${origin}）的门店码，请扫描本店柜台的办卡码`);
    // The server may live under a path prefix (`https://host/scanpush`); the entry path follows it.
    if (!path.startsWith(server[3]!)) return refuse(NOT_AN_ENTRY);
    path = path.slice(server[3]!.length);
  } else {
    // Without the origin to compare, the entry path is taken at the end of whatever prefix there is.
    const at = path.lastIndexOf(STORE_ENTRY_PATH);
    path = at < 0 ? path : path.slice(at);
  }
  if (/^\/staff\//.test(path)) return refuse('这是员工绑定码，会员请扫描门店的办卡码');
  if (!path.startsWith(STORE_ENTRY_PATH)) return refuse(NOT_AN_ENTRY);
  const storeId = parseId(path.slice(STORE_ENTRY_PATH.length).replace(/\/$/, ''));
  if (storeId === undefined) return refuse('办卡码里的门店编号不对，请重新扫描门店的办卡码');
  return { ok: true, value: { storeId } };
}

function refuse(reason: string): Decoded<{ storeId: number }> {
  return { ok: false, reason };
}
