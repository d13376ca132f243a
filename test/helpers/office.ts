import { expect } from 'vitest';
import { api } from './client.js';

/** A back-office sign-in as a browser holds it: the session cookie and the CSRF token the page was given. */
export interface OfficeSession {
  cookie: string;
  csrfToken: string;
  /** The Set-Cookie header the sign-in answered, as sent. */
  setCookie: string;
}

/** Signs an owner in; answers the raw response too, for tests of refusals. */
export async function officeLogin(base: string, login: string, password: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/office/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ login, password }),
  });
  const body = (await res.json()) as any;
  const setCookie = res.headers.get('set-cookie') ?? '';
  const session: OfficeSession | undefined =
    res.status === 200 ? { cookie: setCookie.split(';')[0]!, csrfToken: body.csrfToken, setCookie } : undefined;
  return { status: res.status, body, session, headers: res.headers };
}

/** Signs in and expects it to work. */
export async function signIn(base: string, login: string, password: string, headers: Record<string, string> = {}): Promise<OfficeSession> {
  const res = await officeLogin(base, login, password, headers);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.session!;
}

/** A request as the signed-in page makes it: the cookie, and the CSRF token on every non-GET (unless `csrf` says otherwise). */
export function office<T = any>(
  base: string,
  session: OfficeSession | undefined,
  path: string,
  init: { method?: string; body?: unknown; csrf?: string | null; headers?: Record<string, string> } = {},
) {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { ...init.headers };
  if (session) headers.cookie = session.cookie;
  const csrf = init.csrf === undefined ? session?.csrfToken : init.csrf;
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  return api<T>(base, path, { method, body: init.body, headers });
}
