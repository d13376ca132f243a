import type { ApiErrorCode, ScanResult } from '@scanpush/shared';

/**
 * The one error type routes and the core throw. The HTTP status comes from the code, in one table,
 * so a code always means the same status everywhere.
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly extra: { field?: string; result?: ScanResult } = {},
  ) {
    super(message);
  }
}

export const HTTP_STATUS: Record<ApiErrorCode, number> = {
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // 400 rather than 426: what the seed's clients (and its nginx notes) know a failed handshake by.
  UPGRADE_REQUIRED: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  WECHAT_LOGIN_FAILED: 502,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
  QR_INVALID: 422,
  QR_EXPIRED: 410,
  QR_USED: 409,
  NO_USES_LEFT: 409,
  CARD_NOT_FOUND: 404,
  QR_WRONG_STORE: 403,
};
