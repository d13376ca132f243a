import type { ResultName } from './result-codes.js';
import type { ResultMessage } from './envelope.js';
import type { ScanResult } from './scan-result.js';

/** Codes of the one JSON error shape every HTTP endpoint answers with; scan outcomes add their own. */
export const API_ERROR_CODES = [
  'INVALID_JSON',
  'VALIDATION_FAILED',
  'UNSUPPORTED_MEDIA_TYPE',
  'UPGRADE_REQUIRED',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
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
    requestId?: string;
  };
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
 * `GET /api/notifications?after=SEQ&wait=SECONDS[&storeId=ID]`, the long-poll fallback: the same results
 * and seqs as the structured socket dialect.
 */
export interface NotificationsResponse {
  results: ResultMessage[];
  /**
   * The next request's `after`: the highest seq in `results`, or `after` when there are none — or, when
   * `after` is above every seq the server holds (its database was restored from a backup), the member's
   * highest seq, answered at once with `complete: false`.
   */
  lastSeq: number;
  /** False when results after `after` are older than retention and gone. */
  complete: boolean;
}
