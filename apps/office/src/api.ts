import { decodeErrorBody, type ErrorBody } from '@scanpush/shared';
import { explainFailure } from './messages.js';

/**
 * A request the server refused (`body` is its one error shape) or that never got an answer (`code`
 * NETWORK, status 0). `message` is the Chinese sentence to show the owner.
 */
export class ApiFailure extends Error {
  override name = 'ApiFailure';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: ErrorBody | undefined,
    retryAfterSeconds?: number,
  ) {
    const error = body?.error;
    super(explainFailure(code, { field: error?.field, result: error?.result, retryAfterSeconds }));
  }

  get field(): string | undefined {
    return this.body?.error.field;
  }
}

let csrfToken = '';
let onSignedOut: (() => void) | undefined;

/** The session's CSRF token, from the sign-in or `/api/office/me` answer; sent on every non-GET request. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/**
 * Called when a request of a signed-in page is answered UNAUTHORIZED: the session ended (expired, revoked from
 * another device, the password changed), so the page goes back to the sign-in form.
 */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

/**
 * JSON to and from the server the page came from (the session cookie rides along, same-origin only).
 * Throws ApiFailure for every non-2xx answer; `quiet401` leaves UNAUTHORIZED to the caller (the sign-in and the
 * first `/me`).
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown; quiet401?: boolean } = {}): Promise<T> {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiFailure(0, 'NETWORK', undefined);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (res.ok) {
    if (parsed === undefined) throw new ApiFailure(res.status, 'BAD_ANSWER', undefined);
    return parsed as T;
  }
  const decoded = decodeErrorBody(parsed);
  const body = decoded.ok ? decoded.value : undefined;
  const retryAfter = Number(res.headers.get('retry-after'));
  const failure = new ApiFailure(res.status, body?.error.code ?? `HTTP_${res.status}`, body, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
  // Only UNAUTHORIZED means the session is gone; LOGIN_FAILED (also 401) is a wrong password typed.
  if (failure.code === 'UNAUTHORIZED' && !init.quiet401) onSignedOut?.();
  throw failure;
}

/** The Chinese sentence for anything a page's action threw. */
export function failureText(error: unknown): string {
  if (error instanceof ApiFailure) return error.message;
  return '出现了意外错误，请刷新页面后重试。';
}
