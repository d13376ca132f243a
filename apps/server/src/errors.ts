import type { ApiErrorCode, ScanResult } from '@scanpush/shared';

/**
 * The one error type of the HTTP edge (routes, middleware, the WeChat client): thrown there, answered by
 * the app's one error handler in the one error shape, with the status from its code in HTTP_STATUS, so
 * a code always means the same status everywhere. The core never throws it: business outcomes are values
 * (see core/scan.ts), which the routes turn into answers.
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: { field?: string; result?: ScanResult; replayed?: boolean } = {},
    /** Headers of the answer, e.g. Retry-After on 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The status of each code: the one table from outcome to HTTP status, scan refusals included. */
export const HTTP_STATUS: Record<ApiErrorCode, number> = {
  // What Node's HTTP parser refuses before any route sees it (answered by http/client-error.ts).
  MALFORMED_REQUEST: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // 400 rather than 426: what the seed's clients (and its nginx notes) know a failed handshake by.
  UPGRADE_REQUIRED: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  IDEMPOTENCY_KEY_REUSED: 422,
  WECHAT_LOGIN_FAILED: 502,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
  INVITE_INVALID: 404,
  INVITE_EXPIRED: 410,
  INVITE_USED: 409,
  LOGIN_FAILED: 401,
  LOGIN_TAKEN: 409,
  CSRF_FAILED: 403,
  QR_INVALID: 422,
  QR_EXPIRED: 410,
  OFFLINE_CODE_STALE: 410,
  QR_USED: 409,
  NO_USES_LEFT: 409,
  CARD_NOT_FOUND: 404,
  QR_WRONG_STORE: 403,
  CARD_EXPIRED: 409,
  PRODUCT_NOT_FOUND: 404,
  PRODUCT_ARCHIVED: 409,
  ALREADY_REVERSED: 409,
  REVERSAL_WINDOW_PASSED: 409,
  NOT_REVERSIBLE: 422,
  REVERSAL_NOT_ALLOWED: 403,
};
