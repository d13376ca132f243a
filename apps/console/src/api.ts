import { decodeErrorBody, type ErrorBody } from '@scanpush/shared';

/**
 * A request the server refused (`body` is its one error shape) or that never got an answer
 * (`code` NETWORK, status 0). `code` is the English code shown next to the Chinese sentence.
 */
export class ApiFailure extends Error {
  override name = 'ApiFailure';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: ErrorBody | undefined,
  ) {
    super(body?.error.message ?? code);
  }
}

/** JSON to and from the server the page was loaded from. Throws ApiFailure for every non-2xx answer. */
export async function api<T>(
  path: string,
  init: { method?: string; bearer?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
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
  if (res.ok) return parsed as T;
  const decoded = decodeErrorBody(parsed);
  const body = decoded.ok ? decoded.value : undefined;
  throw new ApiFailure(res.status, body?.error.code ?? `HTTP_${res.status}`, body);
}

/** An Idempotency-Key from getRandomValues, which (unlike randomUUID) also works on plain-HTTP LAN pages. */
export function newRequestKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
