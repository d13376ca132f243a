import type { SessionResponse } from '@scanpush/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';
import { startWechatStandIn, wechatEnv, type WechatStandIn } from './helpers/wechat-stand-in.js';

// POST /api/auth/wechat on the real server; WeChat's jscode2session is the local stand-in (the only fake).
let wechat: WechatStandIn;
let srv: TestServer;

beforeAll(async () => {
  wechat = await startWechatStandIn();
  srv = await startServer({ env: wechatEnv(wechat) });
});
afterAll(async () => {
  await srv.stop();
  await wechat.stop();
});

const login = (code: unknown) => api(srv.url, '/api/auth/wechat', { body: { code } });

describe('POST /api/auth/wechat', () => {
  it('creates the member on the first login and finds the same member afterwards', async () => {
    const first = await login(wechat.issueCode('o-first-user'));
    expect(first.status).toBe(200);
    const session = first.body as SessionResponse;
    expect(session.memberId).toBeGreaterThan(0);
    expect(session.memberId).not.toBe(17);
    const again = await login(wechat.issueCode('o-first-user'));
    expect(again.status).toBe(200);
    expect(again.body.memberId).toBe(session.memberId);
    expect(again.body.token).not.toBe(session.token);

    const other = await login(wechat.issueCode('o-second-user'));
    expect(other.body.memberId).not.toBe(session.memberId);

    // The token is a real session: a brand-new member has no cards yet.
    const cards = await api(srv.url, '/api/cards', { token: session.token });
    expect(cards).toEqual({ status: 200, body: { cards: [] } });
  });

  it('keeps the session_key on the server side of WeChat only: not in the answer, not in the database', async () => {
    const answer = await login(wechat.issueCode('o-key-check'));
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body).sort()).toEqual(['expiresAt', 'memberId', 'token']);
    const db = await srv.dump();
    for (const key of wechat.sessionKeys) {
      expect(JSON.stringify(answer.body)).not.toContain(key);
      expect(db).not.toContain(key);
    }
  });

  it('gives one member to two first logins of the same user at once', async () => {
    const answers = await Promise.all([login(wechat.issueCode('o-twice')), login(wechat.issueCode('o-twice'))]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[0]!.body.memberId).toBe(answers[1]!.body.memberId);
  });

  it.each([
    [40029, 401, 'UNAUTHORIZED', 'call wx.login again'],
    [45011, 429, 'RATE_LIMITED', 'too many attempts'],
    [40226, 403, 'FORBIDDEN', 'blocked this user'],
    [-1, 503, 'UNAVAILABLE', 'WeChat is busy'],
    [40001, 502, 'WECHAT_LOGIN_FAILED', 'errcode 40001'],
  ])('answers WeChat errcode %i with HTTP %i %s', async (errcode, status, code, message) => {
    const answer = await login(wechat.failingCode(errcode));
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(answer.body.error.message).toContain(message);
  });

  it('refuses a code used twice and a code WeChat never issued', async () => {
    const code = wechat.issueCode('o-once');
    expect((await login(code)).status).toBe(200);
    const reused = await login(code);
    expect([reused.status, reused.body.error.code, reused.body.error.field]).toEqual([401, 'UNAUTHORIZED', 'code']);
    const unknown = await login('never-issued');
    expect([unknown.status, unknown.body.error.code, unknown.body.error.field]).toEqual([401, 'UNAUTHORIZED', 'code']);
  });

  it('refuses a malformed code before asking WeChat', async () => {
    const before = wechat.calls;
    for (const code of ['', 'has space', 'x'.repeat(129), 42, null]) {
      const answer = await login(code);
      expect([answer.status, answer.body.error.code, answer.body.error.field]).toEqual([400, 'VALIDATION_FAILED', 'code']);
    }
    expect(wechat.calls).toBe(before);
  });
});

describe('POST /api/auth/wechat without WeChat configured', () => {
  it('says what to set instead of failing obscurely', async () => {
    const bare = await startServer();
    try {
      const answer = await api(bare.url, '/api/auth/wechat', { body: { code: 'abc' } });
      expect(answer.status).toBe(503);
      expect(answer.body.error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('WECHAT_APPID and WECHAT_SECRET') });
    } finally {
      await bare.stop();
    }
  });

  it('points at the wrong secret through WeChat’s own refusal', async () => {
    const wrong = await startServer({ env: { ...wechatEnv(wechat), WECHAT_SECRET: 'f'.repeat(32) } });
    try {
      const answer = await api(wrong.url, '/api/auth/wechat', { body: { code: wechat.issueCode('o-x') } });
      expect([answer.status, answer.body.error.code, answer.body.error.message]).toEqual([502, 'WECHAT_LOGIN_FAILED', 'WeChat refused the login (errcode 40125)']);
    } finally {
      await wrong.stop();
    }
  });
});

