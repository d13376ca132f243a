import { STRUCTURED_SUBPROTOCOL, socketPath, type QrResponse, type SessionResponse } from '@scanpush/shared';
import WebSocket from 'ws';

/** A JSON request against the test server; answers status and parsed body. */
export async function api<T = any>(
  base: string,
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(base + path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function devLogin(base: string, userId = 17): Promise<string> {
  const { status, body } = await api<SessionResponse>(base, '/api/auth/dev', { body: { userId } });
  if (status !== 200) throw new Error(`dev login ${status}: ${JSON.stringify(body)}`);
  return body.token;
}

export async function mintQr(base: string, token: string, storeId = 2): Promise<string> {
  const { status, body } = await api<QrResponse>(base, '/api/qr', { token, body: { storeId } });
  if (status !== 200) throw new Error(`qr ${status}: ${JSON.stringify(body)}`);
  return body.token;
}

export function scan(base: string, key: string, qr: string, idempotencyKey?: string) {
  return api(base, '/api/scans', { token: key, body: { qr }, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} });
}

/** A member socket that records every frame; `next()` waits for the next one not yet taken. */
export class TestSocket {
  readonly frames: string[] = [];
  private taken = 0;
  private waiters: Array<() => void> = [];
  closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(String(data));
      this.waiters.splice(0).forEach((w) => w());
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  static async open(
    wsUrl: string,
    opts: { memberId?: number; storeId?: number; token?: string; structured?: boolean; query?: string } = {},
  ): Promise<TestSocket> {
    const url = wsUrl + socketPath(opts.memberId ?? 17, opts.storeId ?? 2) + (opts.query ?? '');
    const ws = new WebSocket(url, opts.structured ? [STRUCTURED_SUBPROTOCOL] : [], {
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    });
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return socket;
  }

  async next(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.taken >= this.frames.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms (got ${JSON.stringify(this.frames)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames[this.taken++] as string;
  }

  async nextJson<T = any>(timeoutMs?: number): Promise<T> {
    return JSON.parse(await this.next(timeoutMs)) as T;
  }

  /** Resolves after `ms` if no further frame came; throws with the frame if one did. */
  async expectSilence(ms = 300): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    if (this.frames.length > this.taken) throw new Error(`unexpected frame: ${this.frames[this.taken]}`);
  }

  close(): void {
    this.ws.close();
  }
}

/** Attempts an upgrade and answers the HTTP status of a refusal (or 101 when it was accepted). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => reject(err));
  });
}
