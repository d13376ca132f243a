import { QR_MAC_BYTES, formatQrToken } from '@scanpush/shared';
import type { Rng } from './random.js';

// Seeded generators for the fuzz run against the real server (test/fuzz.test.ts). Every case draws from
// its own generator, forked from the run's seed by the case's index, so a case is the same whatever ran
// before it or beside it. Inputs lean towards what the server parses: its routes, its parameters and
// their edge values, its credentials, JSON with its field names, and the ways HTTP/1.1 goes wrong.

/** The credentials a case may present; `member` is replaced when a fuzzed logout revokes it. */
export interface Credentials {
  member: string;
  merchant: string;
}

const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyz0123456789',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
  ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  '扣费成功剩余次数二维码已使用',
  '\u200b\u200e\u202e\ufeff\u0301é\u00a0',
  '😀🚗🧼',
  '\u0000\u0001\u0007\u001b\u007f\t\r\n',
  '\ud800\udfff',
];

export function text(r: Rng, max: number): string {
  const alphabet = r.pick(ALPHABETS);
  let out = '';
  for (let n = r.length(max); n > 0; n--) out += alphabet[r.int(0, alphabet.length - 1)];
  return out;
}

/** Printable ASCII and Latin-1: what fetch lets through as a header value. */
export function headerText(r: Rng, max: number): string {
  let out = '';
  for (let n = r.length(max); n > 0; n--) out += String.fromCharCode(r.chance(0.9) ? r.int(0x21, 0x7e) : r.int(0xa0, 0xff));
  return out;
}

/** A token (RFC 9110): what a method or a header name may be. */
export function token(r: Rng, max = 12): string {
  const chars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  let out = '';
  for (let n = Math.max(1, r.length(max)); n > 0; n--) out += chars[r.int(0, chars.length - 1)];
  return out;
}

const NUMBERS = ['0', '1', '2', '17', '-1', '01', '1e0', '0x1', ' 1', '1 ', '+1', '1.5', '', '4294967295', '4294967296', '9007199254740991', '9007199254740992', '99999999999999999999999', 'NaN', 'Infinity', '１７'];
const NUMBER_VALUES = [0, -0, 1, 2, 17, -1, 1.5, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e308, -1e-308, 4294967295];
const KEYS = ['qr', 'userId', 'storeId', 'code', 'svg', 'name', 'memberId', 'uses', 'type', 'after', 'epoch', 'id', '__proto__', 'constructor', 'toString'];

export function idText(r: Rng): string {
  return r.chance(0.8) ? r.pick(NUMBERS) : text(r, 24);
}

export function jsonValue(r: Rng, depth = 3): unknown {
  switch (r.int(0, depth > 0 ? 6 : 4)) {
    case 0:
      return r.pick([null, true, false]);
    case 1:
      return r.chance(0.7) ? r.pick(NUMBER_VALUES) : r.int(-1e9, 1e9);
    case 2:
      return text(r, 300);
    case 3:
      return r.pick(['', '17', '2', 'SP', 'true', 'null', '[]', fakeQr(r)]);
    case 4:
      return r.chance(0.1) ? 'x'.repeat(r.int(1_000, 20_000)) : idText(r);
    case 5:
      return Array.from({ length: r.length(6) }, () => jsonValue(r, depth - 1));
    default:
      return jsonObject(r, depth - 1);
  }
}

function jsonObject(r: Rng, depth: number): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (let n = r.length(6); n > 0; n--) obj[r.chance(0.8) ? r.pick(KEYS) : text(r, 20)] = jsonValue(r, depth);
  return obj;
}

/** A token of the right form (member 17, store 2, mostly) whose MAC is random: never a valid QR. */
export function fakeQr(r: Rng): string {
  const claims = {
    memberId: r.pick([17, 17, 18, 1, 4294967295]),
    storeId: r.pick([2, 2, 1, 3]),
    expiresAt: r.pick([0, 2_000_000_000, 4294967295]),
    nonce: r.bytes(8).toString('hex'),
  };
  const qr = formatQrToken(claims, r.bytes(QR_MAC_BYTES));
  switch (r.int(0, 5)) {
    case 0:
      return qr.toLowerCase();
    case 1:
      return ` ${qr}\r\n`;
    case 2:
      return qr.slice(0, r.int(0, qr.length));
    case 3:
      return qr + text(r, 8);
    default:
      return qr;
  }
}

/** A request body, or undefined for none. */
export function body(r: Rng): { bytes: Buffer; what: string } | undefined {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null');
  switch (r.int(0, 13)) {
    case 0:
    case 1:
      return undefined;
    case 2:
      return { bytes: json(jsonValue(r)), what: 'random JSON' };
    case 3:
    case 4:
      return { bytes: json(jsonObject(r, 2)), what: 'JSON with the API field names' };
    case 5:
      return { bytes: json(r.pick([{ qr: fakeQr(r) }, { storeId: 2, svg: jsonValue(r, 1) }, { userId: jsonValue(r, 1) }, { code: jsonValue(r, 1) }])), what: 'right keys, odd values' };
    case 6: {
      const full = JSON.stringify(jsonObject(r, 2));
      return { bytes: Buffer.from(full.slice(0, r.int(0, Math.max(0, full.length - 1)))), what: 'truncated JSON' };
    }
    case 7:
      return { bytes: json({ qr: 'x'.repeat(r.pick([16_384 - 9, 16_384 - 8, 20_000, 100_000])) }), what: 'a huge string' };
    case 8:
      return { bytes: r.bytes(r.length(4096)), what: 'random bytes' };
    case 9: {
      const depth = r.pick([100, 5_000, 8_000]);
      return { bytes: Buffer.from('['.repeat(depth) + ']'.repeat(depth)), what: 'deep nesting' };
    }
    case 10:
      return { bytes: Buffer.from(r.pick(['', ' ', '\ufeff{"userId":17}', '{"__proto__":{"admin":true},"userId":17}', '{"storeId":2,"storeId":"2"}', '{"userId":1e400}', '{"qr":"\\ud800"}', 'null', '"17"'])), what: 'odd JSON text' };
    default:
      return { bytes: Buffer.from(text(r, 200)), what: 'text' };
  }
}

const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['POST', '/api/scans'], ['POST', '/api/qr'], ['GET', '/api/cards'], ['GET', '/api/cards/{id}/history'], ['GET', '/api/notifications'],
  ['POST', '/api/auth/dev'], ['POST', '/api/auth/wechat'], ['POST', '/api/auth/logout'], ['POST', '/api/admin/stores'],
  ['POST', '/api/admin/members'], ['POST', '/api/admin/cards'], ['POST', '/api/admin/merchants'], ['POST', '/api/admin/merchants/{id}/revoke'],
  ['POST', '/api/admin/members/{id}/revoke-sessions'], ['GET', '/healthz'], ['GET', '/metrics'], ['GET', '/webSocket/{id}/{id}'],
  ['GET', '/'], ['GET', '/console/{file}'], ['GET', '/console/app.js'],
];

/** A route with the method it takes and fuzzed ids: requests that get past routing to the validation. */
export function route(r: Rng): { method: string; path: string } {
  const [m, template] = r.pick(ROUTES);
  return { method: m, path: template.replace(/\{id\}/g, () => (r.chance(0.5) ? r.pick(['2', '17']) : idText(r))).replace('{file}', () => r.pick(['app.css', 'index.html', '.env', text(r, 30)])) };
}

/** A request path: a route with fuzzed ids, then a few mutations. Not necessarily a valid URL path. */
export function path(r: Rng): string {
  let p = r.pick(ROUTES)[1].replace(/\{id\}/g, () => idText(r)).replace('{file}', () => r.pick(['app.css', '..%2F..%2Fpackage.json', '.env', text(r, 30)]));
  for (let n = r.int(0, 2); n > 0; n--) {
    switch (r.int(0, 9)) {
      case 0:
        p += `/${text(r, 30)}`;
        break;
      case 1:
        p = p.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
        break;
      case 2:
        p = r.pick(['/..', '/.', '/%2e%2e', '/%2E', '/../..', '//']) + p;
        break;
      case 3:
        p += r.pick(['/', '//', '/.', '/..', '/%2e%2e/healthz', ';x=1', '%', '%zz', '%00', '%2F', '#frag', '\\', '/%ff']);
        break;
      case 4:
        p += `/${'a'.repeat(r.pick([100, 2_000, 8_000, 17_000]))}`;
        break;
      case 5:
        p = p.toUpperCase();
        break;
      case 6:
        p += `/${Buffer.from(text(r, 10)).toString('hex').replace(/(..)/g, '%$1')}`;
        break;
      default:
        break;
    }
  }
  return p;
}

const QUERY_KEYS = ['storeId', 'after', 'epoch', 'wait', 'limit', 'token', 'svg', 'userId'];

export function query(r: Rng, creds: Credentials): string {
  if (r.chance(0.4)) return '';
  const pairs: string[] = [];
  for (let n = r.int(1, 4); n > 0; n--) {
    const key = r.chance(0.85) ? r.pick(QUERY_KEYS) : text(r, 10);
    const value = key === 'token' && r.chance(0.5) ? creds.member : key === 'wait' && r.chance(0.6) ? r.pick(['0', '1']) : r.chance(0.7) ? idText(r) : text(r, 60);
    pairs.push(r.chance(0.1) ? key : `${encodeBytes(key)}=${r.chance(0.8) ? encodeBytes(value) : value}`);
  }
  return `?${pairs.join('&')}`;
}

/** Percent-encodes a string's UTF-8 bytes where a URL would; a lone surrogate becomes U+FFFD's bytes. */
export function encodeBytes(s: string): string {
  return [...Buffer.from(s)].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

export const FETCH_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

export function method(r: Rng): string {
  if (r.chance(0.85)) return r.pick(FETCH_METHODS);
  return r.pick(['get', 'patch', 'PROPFIND', 'MKCOL', 'PURGE', 'QUERY', 'SEARCH', token(r)]);
}

/** Request headers a fetch may set (no Host, Content-Length, Connection, Transfer-Encoding, Expect or Upgrade). */
export function headers(r: Rng, creds: Credentials): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const auth = r.next();
  if (auth < 0.35) out.push(['authorization', `Bearer ${creds.member}`]);
  else if (auth < 0.55) out.push(['authorization', `Bearer ${creds.merchant}`]);
  else if (auth < 0.85) {
    out.push(['authorization', r.pick([
      `Bearer ${headerText(r, 80)}`, 'Bearer', 'Bearer ', `bearer ${creds.merchant}`, `Bearer  ${creds.member}`, `Basic ${Buffer.from('a:b').toString('base64')}`,
      `Bearer spk_1_${headerText(r, 30)}`, `Bearer spk_${idText(r)}_x`, `${creds.member}`, `Bearer ${creds.member}x`, headerText(r, 200),
    ])]);
  }
  if (r.chance(0.8)) {
    out.push(['content-type', r.chance(0.6) ? 'application/json' : r.pick([
      'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=latin1', 'text/plain', 'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded', 'application/json, text/plain', 'application/jsonx', 'application/problem+json', '', headerText(r, 40),
    ])]);
  }
  if (r.chance(0.3)) out.push(['idempotency-key', r.chance(0.5) ? headerText(r, 200) : 'x'.repeat(r.pick([1, 128, 129, 4000]))]);
  if (r.chance(0.2)) out.push(['x-request-id', r.chance(0.5) ? headerText(r, 300) : token(r, 40)]);
  if (r.chance(0.1)) out.push(['x-forwarded-for', r.pick(['1.2.3.4', '::1, 10.0.0.1', headerText(r, 60)])]);
  if (r.chance(0.1)) out.push(['accept', r.pick(['*/*', 'text/html', headerText(r, 40)])]);
  if (r.chance(0.1)) out.push([token(r, 20).toLowerCase(), headerText(r, 100)]);
  if (r.chance(0.03)) out.push(['x-big', 'b'.repeat(r.pick([8_000, 17_000, 40_000]))]);
  // Ids drawn as text may hold what no header can carry.
  return out.map(([name, value]) => [name, value.replace(/[^\x20-\x7e\xa0-\xff]/g, '?')]);
}

/** A request written straight to a socket: bytes a client library would never send. */
export interface RawRequest {
  bytes: Buffer;
  /** Conforming HTTP/1.1 (however large): the server must answer it, not just close the connection. */
  wellFormed: boolean;
  /** The methods of the requests in it, in order: answers to HEAD carry no body. */
  methods: string[];
  /** The client ends its side once written, so the server sees the end of what was sent. */
  halfClose: boolean;
  what: string;
}

const PARSER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE'];
// RFC 3986 characters, percent-escapes with two hex digits, no fragment.
const TARGET = /^(?:[A-Za-z0-9\-._~:/?[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
const WS_HEAD = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

export function rawRequest(r: Rng, creds: Credentials): RawRequest {
  const routed = r.chance(0.4) ? route(r) : undefined;
  let m = routed?.method ?? (r.chance(0.92) ? r.pick(PARSER_METHODS) : r.pick(['CONNECT', 'PROPFIND', 'get', 'G\u00e9T', token(r)]));
  let target = (routed?.path ?? path(r)) + query(r, creds);
  let version = 'HTTP/1.1';
  const lines = ['Host: 127.0.0.1', ...headers(r, creds).map(([k, v]) => `${k}: ${v}`)];
  const b = m === 'GET' || m === 'HEAD' ? undefined : body(r);
  let payload: Buffer = b?.bytes ?? Buffer.alloc(0);
  let framing = b ? `Content-Length: ${payload.length}\r\n` : '';
  let wellFormed = [...PARSER_METHODS, 'PROPFIND'].includes(m) && TARGET.test(target);
  const what: string[] = [b?.what ?? 'no body'];
  let tail: Buffer = Buffer.alloc(0);
  const methods = [m];
  const broken = (label: string) => {
    what.push(label);
    wellFormed = false;
  };

  for (let n = r.chance(0.55) ? r.int(1, 2) : 0; n > 0; n--) {
    switch (r.int(0, 26)) {
      case 0: version = 'HTTP/1.0'; what.push('HTTP/1.0'); break;
      case 1: target = `http://127.0.0.1${target.startsWith('/') ? '' : '/'}${target}`; what.push('absolute-form'); break;
      case 2: m = methods[0] = 'OPTIONS'; target = '*'; wellFormed = true; what.push('OPTIONS *'); break;
      case 3: m = methods[0] = 'CONNECT'; target = '127.0.0.1:80'; wellFormed = true; what.push('CONNECT'); break;
      case 4: lines.push(r.pick(['Expect: 100-continue', `Expect: ${token(r)}`])); what.push('Expect'); break;
      case 5:
        if (payload.length > 0) {
          payload = Buffer.concat([Buffer.from(`${payload.length.toString(16)};ext=${token(r)}\r\n`), payload, Buffer.from('\r\n0\r\nX-Trailer: 1\r\n\r\n')]);
          framing = 'Transfer-Encoding: chunked\r\n';
          what.push('chunked');
        }
        break;
      case 6: tail = Buffer.from('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'); methods.push('GET'); what.push('pipelined'); break;
      case 7: lines.push(r.pick([WS_HEAD, `${WS_HEAD}Sec-WebSocket-Protocol: scanpush.v2\r\n`, 'Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n']).trimEnd()); what.push('Upgrade'); break;
      case 8: lines.push(`X-Big: ${'b'.repeat(r.pick([17_000, 40_000, 70_000]))}`); what.push('a header over 16 KiB'); break;
      case 9: for (let i = 0; i < 300; i++) lines.push(`X-H${i}: ${'h'.repeat(60)}`); what.push('300 headers'); break;
      case 10: if (lines[0]?.startsWith('Host:')) lines.shift(); if (version === 'HTTP/1.1') broken('no Host'); break;
      case 11: lines.push('Host: example.com'); broken('two Hosts'); break;
      case 12: lines.push(r.pick(['no colon here', 'Host : x', 'X(y): 1', ': empty-name', 'X-A: 1\r\n  folded', 'X-N: a\u0000b', 'X-C: a\rb'])); broken('bad header line'); break;
      case 13: framing = `Content-Length: ${r.pick(['-5', 'abc', '1, 2', '99999999999999999999', ' ', '0x10'])}\r\n`; broken('bad Content-Length'); break;
      case 14: framing = `Content-Length: ${payload.length}\r\nContent-Length: ${payload.length + 1}\r\n`; broken('two Content-Lengths'); break;
      case 15: framing = `Content-Length: ${payload.length}\r\nTransfer-Encoding: chunked\r\n`; broken('Content-Length and chunked'); break;
      case 16: framing = `Content-Length: ${payload.length + r.int(1, 100)}\r\n`; broken('Content-Length over the body'); break;
      case 17: framing = `Content-Length: ${Math.max(0, payload.length - 3)}\r\n`; broken('Content-Length under the body'); break;
      case 18:
        framing = `Transfer-Encoding: ${r.pick(['chunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'chunked\r\nTransfer-Encoding: chunked'])}\r\n`;
        payload = Buffer.from(r.pick(['zz\r\n{}\r\n0\r\n\r\n', '5\r\n{}\r\n', '-1\r\n\r\n', 'ffffffffffffffff\r\nx\r\n', '2\r\n{}0\r\n\r\n', '2;\u0000\r\n{}\r\n0\r\n\r\n']));
        broken('bad chunked body');
        break;
      case 19: return junk(r, creds);
      case 20: version = r.pick(['HTTP/2.0', 'HTTP/1.2', 'http/1.1', 'HTTP/1', 'HTTP/01.1', '']); broken('bad version'); break;
      case 21: target = r.pick([`${target} x`, ` ${target}`, '', text(r, 30)]); broken('bad request target'); break;
      case 22: tail = r.bytes(r.int(1, 64)); methods.push('?'); broken('junk after the request'); break;
      case 23: lines.push(`X-Latin: ${'\u00e9'.repeat(r.int(1, 8))}`); what.push('obs-text value'); break;
      case 24: lines.push('Connection: close'); what.push('Connection: close'); break;
      default: break;
    }
  }
  const head = `${m} ${target} ${version}`.trimEnd() + '\r\n' + lines.filter((l) => l !== '').map((l) => `${l}\r\n`).join('') + framing + '\r\n';
  let bytes = Buffer.concat([Buffer.from(head), payload, tail]);
  if (r.chance(0.05)) {
    bytes = bytes.subarray(0, r.int(0, bytes.length - 1));
    broken('cut short');
  }
  return { bytes, wellFormed, methods, halfClose: r.chance(0.85), what: what.join(', ') };
}

/** Bytes that are not HTTP at all. */
function junk(r: Rng, creds: Credentials): RawRequest {
  const options: Array<[string, Buffer]> = [
    ['garbage', Buffer.from('garbage\r\n\r\n')],
    ['random bytes', r.bytes(r.int(1, 512))],
    ['nothing', Buffer.alloc(0)],
    ['a TLS ClientHello', Buffer.from('16030100a5010000a10303' + r.bytes(32).toString('hex'), 'hex')],
    ['the HTTP/2 preface', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
    ['a response', Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')],
    ['bare LF', Buffer.from(`GET /healthz HTTP/1.1\nHost: x\nAuthorization: Bearer ${creds.member}\n\n`)],
    ['empty lines first', Buffer.from('\r\n\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')],
    ['a request line only', Buffer.from(`GET ${path(r)}\r\n\r\n`)],
    ['text', Buffer.from(`${text(r, 200)}\r\n\r\n`)],
  ];
  const [what, bytes] = r.pick(options);
  return { bytes, wellFormed: false, methods: ['?'], halfClose: r.chance(0.85), what };
}

/** An attempt to open a member socket. */
export interface UpgradeCase {
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  protocols: string[];
}

export function upgrade(r: Rng, creds: Credentials): UpgradeCase {
  const valid = r.chance(0.6);
  const ids = valid ? '17/2' : r.pick([`${idText(r)}/2`, `17/${idText(r)}`, `${idText(r)}/${idText(r)}`, '17', '17/2/3', '18/2', '17/3', '']);
  const params: string[] = [];
  if (r.chance(0.25)) params.push(`after=${encodeBytes(r.chance(0.5) ? r.pick(['0', '1', '5']) : idText(r))}`);
  if (r.chance(0.15)) params.push(`epoch=${encodeBytes(r.chance(0.5) ? token(r, 70) : text(r, 20))}`);
  const auth = r.int(0, 9);
  if (auth === 0) params.push(`token=${encodeBytes(creds.member)}`);
  if (auth === 1) params.push(`token=${encodeBytes(headerText(r, 60))}`);
  const headers: Record<string, string> = {};
  if (auth >= 4) headers.authorization = `Bearer ${creds.member}`;
  if (auth === 2) headers.authorization = `Bearer ${headerText(r, 60)}`;
  if (auth === 3) headers.authorization = `Bearer ${creds.merchant}`;
  if (r.chance(0.2)) headers['x-request-id'] = r.chance(0.5) ? token(r, 40) : headerText(r, 300);
  if (r.chance(0.1)) headers.origin = r.pick(['http://evil.example', 'null', headerText(r, 40)]);
  const protocols = r.pick([[], ['scanpush.v2'], ['scanpush.v2'], ['scanpush.v1'], ['scanpush.v1', 'scanpush.v2'], [token(r)], ['scanpush.v2', token(r)]]);
  return { path: `/webSocket/${ids}${params.length ? `?${params.join('&')}` : ''}`, headers, protocols: [...new Set(protocols)] };
}

/** A frame a client sends on an open member socket. */
export interface WsFrame {
  what: string;
  data: string | Buffer;
  binary: boolean;
}

export function frames(r: Rng): WsFrame[] {
  if (r.chance(0.1)) return Array.from({ length: r.int(25, 60) }, (_, i) => ({ what: 'burst', data: `{"type":"ping","id":${i}}`, binary: false }));
  return Array.from({ length: r.int(0, 6) }, () => frame(r));
}

function frame(r: Rng): WsFrame {
  const json = (value: unknown) => ({ what: 'JSON', data: JSON.stringify(value) ?? 'null', binary: false });
  switch (r.int(0, 10)) {
    case 0:
      return { what: 'text', data: text(r, 200), binary: false };
    case 1:
      return json(jsonValue(r));
    case 2:
      return json({ type: 'resume', after: r.pick([-1, 1.5, '4', null, 2 ** 53, 0, 3]), ...(r.chance(0.6) ? { epoch: r.pick([5, '', 'e'.repeat(65), 'bad epoch!', 'abc']) } : {}) });
    case 3:
      return { what: 'resume text', data: r.pick(['{"type":"resume","after":1e400}', '{"type":"resume","after":0}', '{"type":"resume","after":0,"epoch":null}', '{"type":"resume"}']), binary: false };
    case 4:
      return json({ type: 'ping', id: r.pick([{}, [], 'x'.repeat(65), true, null, -1, 'p', 1]) });
    case 5:
      return { what: 'ping text', data: r.pick(['{"type":"ping","id":1e400}', '{"type":"ping"}', '{"type":"PING"}', '{"type":"pong"}']), binary: false };
    case 6:
      return { what: 'binary', data: r.bytes(r.int(0, 200)), binary: true };
    case 7:
      return { what: 'oversize', data: r.chance(0.5) ? 'x'.repeat(r.int(4097, 20_000)) : r.bytes(r.int(4097, 20_000)), binary: r.chance(0.3) };
    case 8:
      return { what: 'invalid UTF-8 text', data: Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28]), binary: false };
    default:
      return json({ type: 'ping', id: r.int(0, 1000) });
  }
}
