import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hashSecret } from '../core/credentials.js';
import { MemoryAccounts } from './testing.js';
import { authorizeUpgrade, refuseUpgrade } from './upgrade.js';

const NOW = 1_000_000;

function accounts() {
  const a = new MemoryAccounts();
  a.sessions.set(hashSecret('tok-7'), { id: 70, memberId: 7, expiresAt: NOW + 1 });
  a.sessions.set(hashSecret('tok-old'), { id: 71, memberId: 7, expiresAt: NOW });
  a.sessions.set(hashSecret('tok-8'), { id: 80, memberId: 8, expiresAt: NOW + 1 });
  a.stores.add(1);
  return a;
}

function request(url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { url, headers: { upgrade: 'websocket', authorization: 'Bearer tok-7', ...headers } } as unknown as IncomingMessage;
}

async function decide(url: string, headers?: Record<string, string>) {
  return authorizeUpgrade(request(url, headers), accounts(), NOW);
}

describe('authorizeUpgrade', () => {
  it('grants the stream (member, store) and the session', async () => {
    expect(await decide('/webSocket/7/1')).toEqual({ ok: true, grant: { memberId: 7, storeId: 1, sessionId: 70, tokenHash: expect.any(String) } });
  });

  it('takes the token from ?token= for browsers', async () => {
    expect(await decide('/webSocket/7/1?token=tok-7', { authorization: '' })).toMatchObject({ ok: true });
  });

  it.each([
    ['?after=4', { after: 4 }],
    ['?after=0', { after: 0 }],
    ['?epoch=epochA&after=4', { epoch: 'epochA', after: 4 }],
  ])('reads the structured resume from %s', async (query, resume) => {
    expect(await decide(`/webSocket/7/1${query}`)).toEqual({ ok: true, grant: { memberId: 7, storeId: 1, sessionId: 70, tokenHash: expect.any(String), resume } });
  });

  it.each([
    ['/api/other', {}, 404, 'NOT_FOUND'],
    ['/webSocket/7/1', { upgrade: 'h2c' }, 400, 'VALIDATION_FAILED'],
    ['/webSocket/7', {}, 400, 'VALIDATION_FAILED'],
    ['/webSocket/07/1', {}, 400, 'VALIDATION_FAILED'],
    ['/webSocket/7/1?after=-1', {}, 400, 'VALIDATION_FAILED'],
    ['/webSocket/7/1?after=01', {}, 400, 'VALIDATION_FAILED'],
    ['/webSocket/7/1?after=1e0', {}, 400, 'VALIDATION_FAILED'],
    ['/webSocket/7/1?after=0x1', {}, 400, 'VALIDATION_FAILED'],
    ['/webSocket/7/1?after=', {}, 400, 'VALIDATION_FAILED'],
    ['/webSocket/7/1?epoch=a.b&after=1', {}, 400, 'VALIDATION_FAILED'],
    ['/webSocket/7/1?epoch=epochA', {}, 400, 'VALIDATION_FAILED'],
    ['/webSocket/7/1', { authorization: '' }, 401, 'UNAUTHORIZED'],
    ['/webSocket/7/1', { authorization: 'Bearer nope' }, 401, 'UNAUTHORIZED'],
    ['/webSocket/7/1', { authorization: 'Bearer tok-old' }, 401, 'UNAUTHORIZED'],
    ['/webSocket/7/1', { authorization: 'Bearer tok-8' }, 403, 'FORBIDDEN'],
    ['/webSocket/7/2', {}, 404, 'NOT_FOUND'],
  ])('refuses %s %j with %i', async (url, headers, status, code) => {
    expect(await decide(url, headers)).toMatchObject({ ok: false, status, code });
  });

  it('judges malformed requests before looking at the session', async () => {
    expect(await decide('/webSocket/x/1', { authorization: '' })).toMatchObject({ status: 400 });
    expect(await decide('/webSocket/7/1?after=x', { authorization: '' })).toMatchObject({ status: 400 });
  });
});

describe('refuseUpgrade', () => {
  async function refused(headers: Record<string, string>) {
    const socket = new PassThrough();
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const requestId = refuseUpgrade(socket, { headers } as IncomingMessage, 401, 'UNAUTHORIZED', 'A session token is required');
    await new Promise((r) => socket.on('end', r));
    return { requestId, text: Buffer.concat(chunks).toString() };
  }

  it('writes the status and the error body with a request id, then ends the socket', async () => {
    const { requestId, text } = await refused({});
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(text.startsWith('HTTP/1.1 401 Unauthorized\r\n')).toBe(true);
    expect(text).toContain(`\r\nX-Request-Id: ${requestId}\r\n`);
    expect(text.endsWith(`\r\n\r\n{"error":{"code":"UNAUTHORIZED","message":"A session token is required","requestId":"${requestId}"}}`)).toBe(true);
  });

  it("keeps the client's request id when it is one the app would keep", async () => {
    expect((await refused({ 'x-request-id': 'trace-42' })).requestId).toBe('trace-42');
    expect((await refused({ 'x-request-id': 'bad id\r\nX-Injected: 1' })).requestId).not.toContain('Injected');
  });
});
