import { decodeErrorBody, type ErrorBody } from '@scanpush/shared';

/** A refused or failed request. `status` 0 and code NETWORK: no answer came (offline, timeout, suspended). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: ErrorBody['error'],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  /** Bearer credential: a member session token or a merchant key. */
  token?: string;
  body?: object;
  headers?: Record<string, string>;
}

const TIMEOUT_MS = 10_000;

/** One JSON request to the scanpush server over `wx.request`; rejects with ApiError for any non-2xx. */
export function apiRequest<T>(server: string, path: string, init: ApiRequest = {}): Promise<T> {
  const header: Record<string, string> = { ...init.headers };
  if (init.token) header.Authorization = `Bearer ${init.token}`;
  if (init.body) header['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    wx.request({
      url: server + path,
      method: init.method ?? (init.body ? 'POST' : 'GET'),
      header,
      data: init.body,
      dataType: 'json',
      timeout: TIMEOUT_MS,
      success: (res) => {
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(res.data as T);
        else reject(errorFrom(res.statusCode, res.data));
      },
      fail: (err) => reject(new ApiError(0, 'NETWORK', err.errMsg)),
    });
  });
}

function errorFrom(status: number, data: unknown): ApiError {
  const body = decodeErrorBody(data);
  if (body.ok) return new ApiError(status, body.value.error.code, body.value.error.message, body.value.error);
  return new ApiError(status, status >= 500 ? 'INTERNAL' : 'UNKNOWN', `HTTP ${status}`);
}
