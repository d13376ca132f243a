import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createWechatClient } from './client.js';

// WeChat's jscode2session cannot be reached from tests: this local node:http server stands in for it (the
// only fake). It answers from the code it is given, so each case below picks WeChat's answer by its code.
const ANSWERS: Record<string, { status?: number; body: string; delayMs?: number }> = {
  good: { body: JSON.stringify({ openid: 'oAbC-123_xyz', session_key: 'c2VjcmV0', unionid: 'uZ9' }) },
  plain: { body: JSON.stringify({ openid: 'oPlain', session_key: 'c2VjcmV0' }) },
  invalid: { body: JSON.stringify({ errcode: 40029, errmsg: 'invalid code' }) },
  limited: { body: JSON.stringify({ errcode: 45011, errmsg: 'api minute-quota reach limit' }) },
  blocked: { body: JSON.stringify({ errcode: 40226, errmsg: 'high risk user' }) },
  busy: { body: JSON.stringify({ errcode: -1, errmsg: 'system error' }) },
  used: { body: JSON.stringify({ errcode: 40163, errmsg: 'code been used' }) },
  other: { body: JSON.stringify({ errcode: 40001, errmsg: 'invalid credential' }) },
  html: { body: '<html>gateway</html>' },
  noOpenid: { body: JSON.stringify({ session_key: 'c2VjcmV0' }) },
  down: { status: 502, body: 'bad gateway' },
  slow: { body: JSON.stringify({ openid: 'late' }), delayMs: 500 },
  sent: { body: JSON.stringify({ errcode: 0, errmsg: 'ok' }) },
  noCredit: { body: JSON.stringify({ errcode: 43101, errmsg: 'user refuse to accept the msg' }) },
  noErrcode: { body: JSON.stringify({ ok: true }) },
};

let standIn: Server;
let base: string;
const seen: URL[] = [];
const bodies: string[] = [];

beforeAll(async () => {
  standIn = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    seen.push(url);
    let body = '';
    req.on('data', (chunk) => (body += String(chunk)));
    req.on('end', () => bodies.push(body));
    // jscode2session's cases by their code, subscribe/send's by their access token.
    const answer = ANSWERS[url.searchParams.get('js_code') ?? url.searchParams.get('access_token') ?? ''] ?? ANSWERS.invalid!;
    setTimeout(() => {
      // WeChat labels these answers text/plain; the client must not rely on the content type.
      res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain' });
      res.end(answer.body);
    }, answer.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
});
afterAll(async () => {
  standIn.closeAllConnections();
  await new Promise((resolve) => standIn.close(resolve));
});

const client = () => createWechatClient({ appid: 'wx0123456789abcdef', secret: 's'.repeat(32), apiBase: base, timeoutMs: 200 });

async function refusal(code: string): Promise<AppError> {
  const err = await client().exchangeCode(code).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError for ${code}, got ${String(err)}`);
  return err;
}

describe('jscode2session client', () => {
  it('sends appid, secret, code and grant type, and keeps openid and unionid but never the session_key', async () => {
    const identity = await client().exchangeCode('good');
    expect(identity).toEqual({ openid: 'oAbC-123_xyz', unionid: 'uZ9' });
    expect(JSON.stringify(identity)).not.toContain('c2VjcmV0');
    const url = seen.at(-1)!;
    expect(url.pathname).toBe('/sns/jscode2session');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      appid: 'wx0123456789abcdef',
      secret: 's'.repeat(32),
      js_code: 'good',
      grant_type: 'authorization_code',
    });
    expect(await client().exchangeCode('plain')).toEqual({ openid: 'oPlain' });
  });

  it.each([
    ['invalid', 'UNAUTHORIZED', /invalid, expired or already used/],
    ['limited', 'RATE_LIMITED', /too many attempts/],
    ['blocked', 'FORBIDDEN', /blocked this user/],
    ['busy', 'UNAVAILABLE', /busy/],
    ['used', 'UNAUTHORIZED', /already used/],
    ['other', 'WECHAT_LOGIN_FAILED', /errcode 40001/],
    ['html', 'WECHAT_LOGIN_FAILED', /not JSON/],
    ['noOpenid', 'WECHAT_LOGIN_FAILED', /without an openid/],
    ['down', 'WECHAT_LOGIN_FAILED', /HTTP 502/],
    ['slow', 'WECHAT_LOGIN_FAILED', /did not answer within 200 ms/],
  ])('maps WeChat answer %s to %s', async (code, expected, message) => {
    const err = await refusal(code);
    expect(err.code).toBe(expected);
    expect(err.message).toMatch(message);
  });

  it('says WeChat could not be reached when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await createWechatClient({ appid: 'wx0123456789abcdef', secret: 's'.repeat(32), apiBase: `http://127.0.0.1:${port}` })
      .exchangeCode('good')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toBe('WeChat could not be reached');
  });
});

describe('sendSubscribeMessage', () => {
  const message = { touser: 'oUser', template_id: 'tmplConsume0001', page: 'pages/member/index', miniprogram_state: 'formal' as const, data: { thing1: { value: '星光洗车' } } };

  it('posts the message with lang zh_CN and answers WeChat errcode as a value', async () => {
    expect(await client().sendSubscribeMessage('sent', message)).toEqual({ errcode: 0, errmsg: 'ok' });
    const url = seen[seen.length - 1]!;
    expect(url.pathname).toBe('/cgi-bin/message/subscribe/send');
    expect(url.searchParams.get('access_token')).toBe('sent');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(JSON.parse(bodies[bodies.length - 1]!)).toEqual({ ...message, lang: 'zh_CN' });
    expect(await client().sendSubscribeMessage('noCredit', message)).toEqual({ errcode: 43101, errmsg: 'user refuse to accept the msg' });
  });

  it.each([
    ['down', /HTTP 502/],
    ['slow', /did not answer within 200 ms/],
    ['html', /not JSON/],
    ['noErrcode', /without an errcode/],
  ])('answers %s as unreachable, never throwing', async (token, reason) => {
    const answer = await client().sendSubscribeMessage(token, message);
    expect(answer).toEqual({ unreachable: expect.stringMatching(reason) });
  });
});
