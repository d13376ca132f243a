import { decodeErrorBody, type ErrorBody, type ScanResult } from '@scanpush/shared';
import { CliError } from './errors.js';

const REQUEST_TIMEOUT_MS = 10_000;

/** The server answered with the one error shape (`{error:{code,message,result?}}`). */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly body: ErrorBody,
    readonly result?: ScanResult,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'ApiError';
  }
}

/**
 * The request never got an answer (refused, reset, timed out). The server may or may not have acted on
 * it: only a request carrying an Idempotency-Key is safe to send again.
 */
export class NetworkError extends CliError {
  constructor(url: string, cause: unknown) {
    super(`cannot reach ${url}: ${describeCause(cause)}`);
    this.name = 'NetworkError';
  }
}

function describeCause(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  // fetch wraps the socket error: "fetch failed" says nothing, its cause says ECONNREFUSED.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message || String(code);
  }
  return String(cause);
}

export interface PostOptions {
  bearer?: string;
  headers?: Record<string, string>;
}

/** A JSON client for the scanpush HTTP API; error answers become ApiError, no answer NetworkError. */
export class ApiClient {
  /** `base`: the server's URL without a trailing slash, as `serverBase` returns it. */
  constructor(readonly base: string) {}

  url(path: string): string {
    return `${this.base}${path}`;
  }

  post<T>(path: string, body: unknown, options: PostOptions = {}): Promise<T> {
    return this.request<T>('POST', path, body, options);
  }

  put<T>(path: string, body: unknown, options: PostOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, body, options);
  }

  get<T>(path: string, options: PostOptions = {}): Promise<T> {
    return this.request<T>('GET', path, undefined, options);
  }

  private async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body: unknown, options: PostOptions): Promise<T> {
    const url = this.url(path);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      throw new NetworkError(url, error);
    }
    const json = parseJson(text);
    if (response.ok) {
      if (json === undefined) throw new CliError(`${url} answered ${response.status} with a body that is not JSON`);
      return json as T;
    }
    const decoded = decodeErrorBody(json);
    if (!decoded.ok) {
      throw new CliError(`${url} answered ${response.status} ${response.statusText}`.trimEnd());
    }
    const { error } = decoded.value;
    throw new ApiError(response.status, error.code, error.message, decoded.value, error.result);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
