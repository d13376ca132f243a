import { AppError } from '../errors.js';

/** Who WeChat says the mini-program user is. The `session_key` WeChat also returns is never kept. */
export interface WechatIdentity {
  openid: string;
  unionid?: string;
}

export interface WechatClientOptions {
  appid: string;
  secret: string;
  /** `https://api.weixin.qq.com` in production; a local stand-in in tests. */
  apiBase: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** WeChat's server API as the mini-program's server uses it: login, the access token, subscription messages. */
export interface WechatClient {
  /**
   * Calls `jscode2session` once. Throws AppError: UNAUTHORIZED for a bad, expired or used code (40029),
   * RATE_LIMITED (45011), FORBIDDEN for a user WeChat blocked (40226), UNAVAILABLE when WeChat is busy
   * (-1), WECHAT_LOGIN_FAILED for anything else WeChat answered or for no usable answer at all.
   */
  exchangeCode(code: string): Promise<WechatIdentity>;
  /**
   * Calls `stable_token` once (`forceRefresh`: WeChat makes a new token even if the current one still
   * works; used after WeChat refused it). Never throws: WeChat's refusal or no answer is a value.
   */
  stableToken(forceRefresh?: boolean): Promise<TokenAnswer>;
  /**
   * Calls `subscribe/send` once. Never throws: WeChat's errcode (0: sent) or no usable answer (network,
   * timeout, HTTP 5xx) is a value, for the sender to decide between sent, dropped and retried.
   */
  sendSubscribeMessage(accessToken: string, message: SubscribeMessage): Promise<SendAnswer>;
}

export type TokenAnswer = { ok: true; token: string; expiresInSeconds: number } | { ok: false; errcode: number; errmsg: string } | { ok: false; unreachable: string };

export type SendAnswer = { errcode: number; errmsg: string } | { unreachable: string };

/** A subscription message (订阅消息), as `subscribe/send` takes it. */
export interface SubscribeMessage {
  touser: string;
  template_id: string;
  page: string;
  miniprogram_state: 'formal' | 'trial' | 'developer';
  data: Record<string, { value: string }>;
}

const DEFAULT_TIMEOUT_MS = 5000;

// WeChat's documented errcodes of jscode2session, with what the member's client should do about each.
const KNOWN_ERRORS: Record<number, AppError> = {
  40029: new AppError('UNAUTHORIZED', 'The WeChat login code is invalid, expired or already used: call wx.login again', { field: 'code' }),
  // A code sent twice: WeChat names it apart from 40029, but the client's remedy is the same.
  40163: new AppError('UNAUTHORIZED', 'The WeChat login code is invalid, expired or already used: call wx.login again', { field: 'code' }),
  45011: new AppError('RATE_LIMITED', 'WeChat refused the login: too many attempts for this user, try again in a minute'),
  40226: new AppError('FORBIDDEN', 'WeChat has blocked this user (high-risk account)'),
  [-1]: new AppError('UNAVAILABLE', 'WeChat is busy: try the login again in a moment'),
};

export function createWechatClient(options: WechatClientOptions): WechatClient {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async exchangeCode(code) {
      const url = new URL('/sns/jscode2session', options.apiBase);
      url.search = new URLSearchParams({
        appid: options.appid,
        secret: options.secret,
        js_code: code,
        grant_type: 'authorization_code',
      }).toString();
      let status: number;
      let text: string;
      try {
        const res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        status = res.status;
        text = await res.text();
      } catch (err) {
        const timedOut = err instanceof Error && err.name === 'TimeoutError';
        throw new AppError('WECHAT_LOGIN_FAILED', timedOut ? `WeChat did not answer within ${timeoutMs} ms` : 'WeChat could not be reached');
      }
      if (status !== 200) throw new AppError('WECHAT_LOGIN_FAILED', `WeChat answered HTTP ${status}`);
      return readAnswer(text);
    },

    async stableToken(forceRefresh = false) {
      const answer = await postJson(doFetch, new URL('/cgi-bin/stable_token', options.apiBase), { grant_type: 'client_credential', appid: options.appid, secret: options.secret, force_refresh: forceRefresh }, timeoutMs);
      if ('unreachable' in answer) return { ok: false, unreachable: answer.unreachable };
      const { body } = answer;
      const errcode = typeof body.errcode === 'number' ? body.errcode : 0;
      if (errcode !== 0) return { ok: false, errcode, errmsg: String(body.errmsg ?? '') };
      if (typeof body.access_token !== 'string' || !body.access_token || typeof body.expires_in !== 'number') {
        return { ok: false, unreachable: 'WeChat answered stable_token without a token' };
      }
      return { ok: true, token: body.access_token, expiresInSeconds: body.expires_in };
    },

    async sendSubscribeMessage(accessToken, message) {
      const url = new URL('/cgi-bin/message/subscribe/send', options.apiBase);
      url.search = new URLSearchParams({ access_token: accessToken }).toString();
      const answer = await postJson(doFetch, url, { ...message, lang: 'zh_CN' }, timeoutMs);
      if ('unreachable' in answer) return answer;
      const { body } = answer;
      if (typeof body.errcode !== 'number') return { unreachable: 'WeChat answered subscribe/send without an errcode' };
      return { errcode: body.errcode, errmsg: String(body.errmsg ?? '') };
    },
  };
}

/** A POST of JSON whose answer is a JSON object; anything else (no answer, HTTP error, not JSON) is `unreachable`. */
async function postJson(
  doFetch: typeof fetch,
  url: URL,
  body: object,
  timeoutMs: number,
): Promise<{ body: Record<string, unknown> } | { unreachable: string }> {
  let status: number;
  let text: string;
  try {
    const res = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    status = res.status;
    text = await res.text();
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    return { unreachable: timedOut ? `WeChat did not answer within ${timeoutMs} ms` : 'WeChat could not be reached' };
  }
  if (status !== 200) return { unreachable: `WeChat answered HTTP ${status}` };
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { unreachable: 'WeChat answered something that is not a JSON object' };
    return { body: parsed as Record<string, unknown> };
  } catch {
    return { unreachable: 'WeChat answered something that is not JSON' };
  }
}

// WeChat answers HTTP 200 for refusals too (with `errcode`), and not always as application/json.
function readAnswer(text: string): WechatIdentity {
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) throw new TypeError('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
    throw new AppError('WECHAT_LOGIN_FAILED', 'WeChat answered something that is not JSON');
  }
  const errcode = typeof body.errcode === 'number' ? body.errcode : 0;
  if (errcode !== 0) {
    const known = KNOWN_ERRORS[errcode];
    if (known) throw new AppError(known.code, known.message, known.extra);
    throw new AppError('WECHAT_LOGIN_FAILED', `WeChat refused the login (errcode ${errcode})`);
  }
  if (typeof body.openid !== 'string' || !/^[\w-]{1,128}$/.test(body.openid)) {
    throw new AppError('WECHAT_LOGIN_FAILED', 'WeChat answered without an openid');
  }
  const identity: WechatIdentity = { openid: body.openid };
  if (typeof body.unionid === 'string' && body.unionid) identity.unionid = body.unionid;
  return identity;
}
