import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WechatStandIn {
  /** Base URL to give the server as WECHAT_API_BASE. */
  url: string;
  appid: string;
  secret: string;
  /** A fresh one-time code, as `wx.login` would return, that logs in as `openid`. */
  issueCode(openid: string): string;
  /** A code that WeChat answers with this errcode. */
  failingCode(errcode: number): string;
  /** Every `session_key` handed out, so tests can check none of them leaks. */
  sessionKeys: string[];
  calls: number;
  stop(): Promise<void>;
}

/**
 * WeChat's `jscode2session` cannot be reached from here: this tiny local node:http server stands in for it
 * (the only fake in these tests). Like WeChat it answers HTTP 200 with `errcode` for refusals, refuses a
 * wrong appid (40013) or secret (40125), an unknown code (40029), and a code used twice (40163).
 */
export async function startWechatStandIn(): Promise<WechatStandIn> {
  const appid = `wx${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  const codes = new Map<string, { openid?: string; errcode?: number; used: boolean }>();
  const sessionKeys: string[] = [];
  let calls = 0;

  const server = createServer((req, res) => {
    calls++;
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const q = url.searchParams;
    const answer = (body: object) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname !== '/sns/jscode2session' || q.get('grant_type') !== 'authorization_code') return answer({ errcode: 40002, errmsg: 'invalid grant_type' });
    if (q.get('appid') !== appid) return answer({ errcode: 40013, errmsg: 'invalid appid' });
    if (q.get('secret') !== secret) return answer({ errcode: 40125, errmsg: 'invalid appsecret' });
    const entry = codes.get(q.get('js_code') ?? '');
    if (!entry) return answer({ errcode: 40029, errmsg: 'invalid code' });
    if (entry.errcode !== undefined) return answer({ errcode: entry.errcode, errmsg: 'stand-in refusal' });
    if (entry.used) return answer({ errcode: 40163, errmsg: 'code been used' });
    entry.used = true;
    const sessionKey = randomBytes(16).toString('base64');
    sessionKeys.push(sessionKey);
    answer({ openid: entry.openid, session_key: sessionKey });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const newCode = () => randomBytes(16).toString('hex');
  return {
    url: `http://127.0.0.1:${port}`,
    appid,
    secret,
    issueCode(openid) {
      const code = newCode();
      codes.set(code, { openid, used: false });
      return code;
    },
    failingCode(errcode) {
      const code = newCode();
      codes.set(code, { errcode, used: false });
      return code;
    },
    sessionKeys,
    get calls() {
      return calls;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The server environment that points WeChat login at the stand-in. */
export function wechatEnv(standIn: WechatStandIn): Record<string, string> {
  return { WECHAT_APPID: standIn.appid, WECHAT_SECRET: standIn.secret, WECHAT_API_BASE: standIn.url };
}
