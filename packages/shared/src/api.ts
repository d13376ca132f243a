import type { Decoded } from './decoded.js';
import type { ResultName } from './result-codes.js';
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
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number] | Exclude<ResultName, 'OK'>;

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
}

export interface LedgerEntry {
  id: number;
  storeId: number;
  kind: 'deduct' | 'topup';
  delta: number;
  balanceAfter: number;
  /** ISO 8601. */
  at: string;
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
