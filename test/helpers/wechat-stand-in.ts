import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
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
  /** `stable_token` calls so far, and how many of them asked for force_refresh. */
  tokenCalls: { total: number; forced: number };
  /** One acceptance of a template by the user, as `wx.requestSubscribeMessage` records it at WeChat. */
  accept(openid: string, templateId: string): void;
  /** Every `subscribe/send` that got past the token check, with what it was answered. */
  sends: StandInSend[];
  /** The current tokens stop working: the next send with one of them is answered 42001. */
  expireTokens(): void;
  /** The next `count` sends (past the token check) are answered with `errcode` instead (-1: busy). */
  failSends(errcode: number, count?: number): void;
  stop(): Promise<void>;
}

export interface StandInSend {
  touser: string;
  template_id: string;
  page: string;
  miniprogram_state: string;
  lang: string;
  data: Record<string, { value: string }>;
  errcode: number;
}

// WeChat's value limits by key kind (sendMessage's documentation); a value over its limit is answered 47003.
const VALUE_RULES: Record<string, RegExp> = {
  thing: /^[\s\S]{1,20}$/u,
  number: /^[0-9]{1,32}(\.[0-9]+)?$/,
  letter: /^[A-Za-z]{1,32}$/,
  symbol: /^[^\p{L}\p{N}\s]{1,5}$/u,
  character_string: /^[\x21-\x7e]{1,32}$/,
  time: /^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/,
  date: /^\d{4}年\d{1,2}月\d{1,2}日( \d{2}:\d{2})?$/,
  phrase: /^\p{Script=Han}{1,5}$/u,
  name: /^[\s\S]{1,10}$/u,
};

/**
 * WeChat's `jscode2session` cannot be reached from here: this tiny local node:http server stands in for it
 * (the only fake in these tests). Like WeChat it answers HTTP 200 with `errcode` for refusals, refuses a
 * wrong appid (40013) or secret (40125), an unknown code (40029), and a code used twice (40163).
 * It also hands out access tokens (`stable_token`) and takes subscription messages (`subscribe/send`),
 * refusing an unknown token (40001), an expired one (42001), a value over its kind's limit (47003) and a
 * send without an acceptance (43101): each `accept` allows one send, as WeChat does.
 */
export async function startWechatStandIn(): Promise<WechatStandIn> {
  const appid = `wx${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  const codes = new Map<string, { openid?: string; errcode?: number; used: boolean }>();
  const sessionKeys: string[] = [];
  let calls = 0;
  const tokenCalls = { total: 0, forced: 0 };
  let tokenCount = 0;
  /** Tokens handed out, and whether WeChat still takes them. */
  const tokens = new Map<string, boolean>();
  let currentToken: string | undefined;
  const credits = new Map<string, number>();
  const sends: StandInSend[] = [];
  const failures: number[] = [];

  const readBody = async (req: IncomingMessage): Promise<Record<string, any>> => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    try {
      return JSON.parse(text) as Record<string, any>;
    } catch {
      return {};
    }
  };
  const validData = (data: unknown): boolean =>
    typeof data === 'object' &&
    data !== null &&
    Object.entries(data).every(([key, v]) => {
      const rule = VALUE_RULES[key.replace(/[0-9]+$/, '')];
      const value = (v as { value?: unknown })?.value;
      return typeof value === 'string' && (!rule || rule.test(value));
    });

  const server = createServer(async (req, res) => {
    calls++;
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const q = url.searchParams;
    const answer = (body: object) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/cgi-bin/stable_token') {
      const body = await readBody(req);
      tokenCalls.total++;
      if (body.grant_type !== 'client_credential') return answer({ errcode: 40002, errmsg: 'invalid grant_type' });
      if (body.appid !== appid) return answer({ errcode: 40013, errmsg: 'invalid appid' });
      if (body.secret !== secret) return answer({ errcode: 40125, errmsg: 'invalid appsecret' });
      if (body.force_refresh === true) tokenCalls.forced++;
      // Like stable_token: the same token while it works, a new one when forced or when it stopped working.
      if (body.force_refresh === true || !currentToken || !tokens.get(currentToken)) {
        if (currentToken) tokens.set(currentToken, false);
        currentToken = `token-${++tokenCount}-${randomBytes(6).toString('hex')}`;
        tokens.set(currentToken, true);
      }
      return answer({ access_token: currentToken, expires_in: 7200 });
    }
    if (req.method === 'POST' && url.pathname === '/cgi-bin/message/subscribe/send') {
      const body = await readBody(req);
      const token = q.get('access_token') ?? '';
      if (!tokens.has(token)) return answer({ errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
      if (!tokens.get(token)) return answer({ errcode: 42001, errmsg: 'access_token expired' });
      const send: StandInSend = {
        touser: body.touser,
        template_id: body.template_id,
        page: body.page,
        miniprogram_state: body.miniprogram_state,
        lang: body.lang,
        data: body.data,
        errcode: 0,
      };
      const key = `${body.touser}\u0000${body.template_id}`;
      const failure = failures.shift();
      if (failure !== undefined) send.errcode = failure;
      else if (typeof body.touser !== 'string' || !body.touser) send.errcode = 40003;
      else if (!['formal', 'trial', 'developer'].includes(body.miniprogram_state)) send.errcode = 47003;
      else if (!validData(body.data)) send.errcode = 47003;
      else if ((credits.get(key) ?? 0) < 1) send.errcode = 43101;
      else credits.set(key, credits.get(key)! - 1);
      sends.push(send);
      return answer({ errcode: send.errcode, errmsg: send.errcode === 0 ? 'ok' : 'stand-in refusal' });
    }
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
    tokenCalls,
    accept(openid, templateId) {
      const key = `${openid}\u0000${templateId}`;
      credits.set(key, (credits.get(key) ?? 0) + 1);
    },
    sends,
    expireTokens() {
      for (const token of tokens.keys()) tokens.set(token, false);
    },
    failSends(errcode, count = 1) {
      for (let i = 0; i < count; i++) failures.push(errcode);
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
