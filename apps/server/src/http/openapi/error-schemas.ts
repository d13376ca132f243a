import type { ApiErrorCode, ErrorBody } from '@scanpush/shared';
import { z } from 'zod';
import { HTTP_STATUS } from '../../errors.js';
import { exactly, scanResult } from './response-schemas.js';

/**
 * What each error code means, for the OpenAPI document (docs/api.md's table says the same in prose). A
 * Record over the codes: a code added to the catalog fails the typecheck until it is described here.
 */
export const ERROR_MEANINGS: Record<ApiErrorCode, string> = {
  MALFORMED_REQUEST: "Not valid HTTP/1.1: Node's parser refused it before any route; the connection is closed.",
  INVALID_JSON: 'The body is not JSON.',
  VALIDATION_FAILED: 'A field is missing or wrong; `field` names it.',
  UNSUPPORTED_MEDIA_TYPE: 'The body is not application/json.',
  UPGRADE_REQUIRED: 'A plain request on the socket path (a proxy dropped the Upgrade headers).',
  PAYLOAD_TOO_LARGE: 'The body is over BODY_LIMIT_BYTES.',
  UNAUTHORIZED: 'No credential, or an unknown, expired or revoked one.',
  FORBIDDEN: 'A valid credential, but not for this resource.',
  NOT_FOUND: 'No such route or resource (also a route turned off by configuration).',
  METHOD_NOT_ALLOWED: 'The path exists but not with this method; `Allow` lists the methods it takes.',
  REQUEST_TIMEOUT: 'The request head or body did not arrive in time; the connection is closed.',
  HEADERS_TOO_LARGE: 'Request headers over 16 KiB; the connection is closed.',
  IDEMPOTENCY_KEY_REUSED: 'The Idempotency-Key was used before for another request.',
  WECHAT_LOGIN_FAILED: "WeChat's jscode2session refused the login or gave no usable answer.",
  RATE_LIMITED: 'Too many requests, or too many refusals; `Retry-After` says when to try again. Nothing was decided.',
  UNAVAILABLE: 'Try again later: the database is unreachable, WeChat is busy or not configured. Nothing was written.',
  INTERNAL: 'A bug; logged with the request id.',
  INVITE_INVALID: 'A staff invite code nobody issued, or a revoked invite.',
  INVITE_EXPIRED: "The staff invite's time is over.",
  INVITE_USED: 'The staff invite was already redeemed (each binds one device).',
  LOGIN_FAILED: 'A back-office sign-in refused (unknown login, wrong password, disabled owner alike), or a wrong current password.',
  LOGIN_TAKEN: 'An owner with that login exists.',
  CSRF_FAILED: "A back-office write without the session's X-CSRF-Token, or with another one.",
  QR_INVALID: 'Not a scanpush QR code, or its signature is wrong (result code 6).',
  QR_EXPIRED: "The QR code's time is over (result code 1).",
  OFFLINE_CODE_STALE: "An offline member code's time step is outside the server's window (result code 14).",
  QR_USED: 'The QR code was already used for a deduction (result code 2).',
  NO_USES_LEFT: 'The card has no uses left (result code 3).',
  CARD_NOT_FOUND: 'The member has no card at this store (result code 4).',
  QR_WRONG_STORE: "The QR code belongs to another store than the staff's (result code 5).",
  CARD_EXPIRED: 'The card has expired (result code 9).',
  PRODUCT_NOT_FOUND: 'The store sells no such product.',
  PRODUCT_ARCHIVED: 'The product is archived and no longer sold.',
  ALREADY_REVERSED: 'That deduction was already reversed (result code 10).',
  REVERSAL_WINDOW_PASSED: 'The deduction is older than REVERSAL_WINDOW_SECONDS (result code 11).',
  NOT_REVERSIBLE: "The ledger row is not a deduction of the store (result code 12).",
  REVERSAL_NOT_ALLOWED: 'Another staff credential made that deduction (result code 13).',
};

export const ERROR_CODES = Object.keys(HTTP_STATUS) as ApiErrorCode[];

/** The error body with `code` left open or fixed to one code. */
function errorBody<C extends z.ZodType<ApiErrorCode>>(code: C) {
  return z.object({
    error: z.object({
      code,
      message: z.string().meta({ description: 'English, one sentence, safe to show an operator' }),
      field: z.string().optional().meta({ description: 'The request field that failed validation' }),
      result: scanResult.optional().meta({ description: 'For a refused scan, sale or reversal: the outcome, with the push text the member saw' }),
      replayed: z.boolean().optional().meta({ description: 'This repeats the first answer for the same Idempotency-Key' }),
      requestId: z.string().optional(),
    }),
  });
}

/** The one error shape every answer but a success has. */
export const errorBodySchema = exactly<ErrorBody>()(
  errorBody(z.enum(ERROR_CODES as [ApiErrorCode, ...ApiErrorCode[]])).meta({
    id: 'ErrorBody',
    description: 'Every error answer, whatever the route: `{error: {code, message, …}}`. Each code has its own component, Error_<CODE>, with its status.',
  }),
);

/** The component name of one code's error body. */
export const errorComponent = (code: ApiErrorCode) => `Error_${code}`;

/** One schema per code, each a component naming its HTTP status (also as `x-status`). */
export const errorCodeSchemas = ERROR_CODES.map((code) => ({
  code,
  status: HTTP_STATUS[code],
  schema: errorBody(z.literal(code)).meta({
    id: errorComponent(code),
    title: code,
    description: `HTTP ${HTTP_STATUS[code]}. ${ERROR_MEANINGS[code]}`,
    'x-status': HTTP_STATUS[code],
  }),
}));
