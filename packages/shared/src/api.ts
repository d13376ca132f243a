import type { Decoded } from './decoded.js';
import type { ResultName, SuccessName } from './result-codes.js';
import type { ResultMessage } from './envelope.js';
import type { ScanResult } from './scan-result.js';

/** Codes of the one JSON error shape every HTTP endpoint answers with; scan outcomes add their own. */
export const API_ERROR_CODES = [
  'MALFORMED_REQUEST',
  'INVALID_JSON',
  'VALIDATION_FAILED',
  'UNSUPPORTED_MEDIA_TYPE',
  'UPGRADE_REQUIRED',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'REQUEST_TIMEOUT',
  'HEADERS_TOO_LARGE',
  'IDEMPOTENCY_KEY_REUSED',
  'WECHAT_LOGIN_FAILED',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
  // Staff invites (`POST /api/staff/join`): unknown or revoked, past its time, already redeemed.
  'INVITE_INVALID',
  'INVITE_EXPIRED',
  'INVITE_USED',
  // Counter sales: no such product at the staff's store (unknown or another store's), or archived.
  'PRODUCT_NOT_FOUND',
  'PRODUCT_ARCHIVED',
  // The owners' back office: a refused sign-in (whatever the reason), a login already an owner's, a form
  // post without the session's CSRF token.
  'LOGIN_FAILED',
  'LOGIN_TAKEN',
  'CSRF_FAILED',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number] | Exclude<ResultName, SuccessName>;

/** The body of every error answer. */
export interface ErrorBody {
  error: {
    code: ApiErrorCode;
    /** English, one sentence, safe to show an operator. */
    message: string;
    /** The request field that failed validation. */
    field?: string;
    /** For a refused scan: the outcome, with the push text the member saw. */
    result?: ScanResult;
    /** For a refused scan answered again for the same Idempotency-Key: this repeats the first answer. */
    replayed?: boolean;
    requestId?: string;
  };
}

/**
 * Reads an error answer's parsed JSON: `{error: {code, message, …}}` with string code and message. The
 * code is kept as sent even when this version does not know it (a newer server may add codes); optional
 * fields of the wrong type are left out rather than refusing the answer.
 */
export function decodeErrorBody(json: unknown): Decoded<ErrorBody> {
  const error = isObject(json) ? json.error : undefined;
  if (!isObject(error)) return { ok: false, reason: 'not an error body: no "error" object' };
  if (typeof error.code !== 'string' || typeof error.message !== 'string') {
    return { ok: false, reason: 'error body needs a string code and message' };
  }
  const body: ErrorBody = { error: { code: error.code as ApiErrorCode, message: error.message } };
  if (typeof error.field === 'string') body.error.field = error.field;
  if (isObject(error.result)) body.error.result = error.result as unknown as ScanResult;
  if (typeof error.replayed === 'boolean') body.error.replayed = error.replayed;
  if (typeof error.requestId === 'string') body.error.requestId = error.requestId;
  return { ok: true, value: body };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface DevLoginRequest {
  userId: number;
}

export interface WechatLoginRequest {
  code: string;
}

export interface SessionResponse {
  token: string;
  memberId: number;
  /** ISO 8601. */
  expiresAt: string;
}

export interface QrRequest {
  storeId: number;
  /** Also return the QR drawn as SVG. */
  svg?: boolean;
}

export interface QrResponse {
  token: string;
  memberId: number;
  storeId: number;
  /** ISO 8601. */
  expiresAt: string;
  ttlSeconds: number;
  svg?: string;
}

/**
 * `POST /api/devices` (member; body `{ name? }`): the device enrolled for offline member codes. `secret`
 * (32 bytes, base64url) is shown this once; the server keeps no copy and derives it again when it checks
 * a code. `serverTime` (ISO 8601) lets the device measure its clock's offset; codes change every
 * `stepSeconds`, and the server accepts `skewSteps` steps either side.
 */
export interface DeviceEnrolment {
  deviceId: number;
  secret: string;
  serverTime: string;
  stepSeconds: number;
  skewSteps: number;
}

/** One of the member's devices in `GET /api/devices` (`{ devices, serverTime }`, newest first). */
export interface DeviceView {
  id: number;
  name: string | null;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; null while the device is live. */
  revokedAt: string | null;
  /** Enrolled by the session asking. */
  current: boolean;
  /** Live, and its secret derived under a key the server still holds: false means enrol again. */
  usable: boolean;
  /**
   * False while its secret is under the previous server key (DEVICE_SECRET_KEY_PREVIOUS): still usable,
   * but the phone should enrol again while online, before that key is dropped.
   */
  keyCurrent: boolean;
}

export interface ScanRequest {
  /** The scanned text, as the scanner read it. */
  qr: string;
}

export interface ScanResponse {
  result: ScanResult;
  /** True when this answer repeats the first answer for the same Idempotency-Key. */
  replayed: boolean;
}

export interface CardView {
  memberId: number;
  storeId: number;
  storeName: string;
  remaining: number;
  /** ISO 8601 time after which the card refuses deductions; null when it never expires. */
  expiresAt: string | null;
}

/**
 * One row of a card's ledger: a deduction (-1), a top-up (a sale names its product and what was paid;
 * an admin top-up neither) or a reversal (+1, naming the deduction it undid and why).
 */
export interface LedgerEntry {
  id: number;
  storeId: number;
  kind: 'deduct' | 'topup' | 'reversal';
  delta: number;
  balanceAfter: number;
  /** ISO 8601. */
  at: string;
  /** A sale: the product sold and the amount paid in fen. */
  productId?: number;
  amountFen?: number;
  /** A reversal: the deduction's ledger id and the reason given. */
  reversesId?: number;
  reason?: string;
}

/** A card product a store sells at the counter (`uses` added, `priceFen` paid, valid `validDays` days). */
export interface ProductView {
  id: number;
  storeId: number;
  name: string;
  /** 1..1000. */
  uses: number;
  /** 0..10 000 000 (100 000 yuan). */
  priceFen: number;
  /** 1..3650; null: the card it sells does not expire. */
  validDays: number | null;
  /** False once archived: not sold any more, kept for history. */
  active: boolean;
  /** ISO 8601. */
  createdAt: string;
}

/** `POST /api/admin/stores/:storeId/products`. */
export interface CreateProductRequest {
  name: string;
  uses: number;
  priceFen: number;
  validDays?: number | null;
}

/** `POST /api/sales` (staff; Idempotency-Key as for scans): sells `productId` to the member whose QR this is. */
export interface SaleRequest {
  qr: string;
  productId: number;
}

/** `POST /api/reversals` (staff; Idempotency-Key as for scans): gives back the use a deduction took. */
export interface ReversalRequest {
  ledgerId: number;
  reason: string;
}

/**
 * `GET /api/notifications?storeId=ID[&epoch=E]&after=SEQ&wait=SECONDS`, the long-poll fallback: the same
 * stream (the member's results at one store), results and positions as the structured socket dialect.
 */
export interface NotificationsResponse {
  /** Oldest first, every one of this stream. */
  results: ResultMessage[];
  /** The server's history; the next request sends it back. */
  epoch: string;
  /**
   * The next request's `after`: the highest seq in `results`, or `after` when there are none. When
   * `epoch` differs from the request's, the client was resynchronised: `results` start over from what
   * the server retains and `complete` is false.
   */
  lastSeq: number;
  /** False when results after the request's position may be missing: pruned, or another epoch. */
  complete: boolean;
}
