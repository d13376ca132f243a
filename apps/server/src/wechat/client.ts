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

/** Exchanges a `wx.login` code for the user's identity. */
export interface WechatClient {
  /**
   * Calls `jscode2session` once. Throws AppError: UNAUTHORIZED for a bad, expired or used code (40029),
   * RATE_LIMITED (45011), FORBIDDEN for a user WeChat blocked (40226), UNAVAILABLE when WeChat is busy
   * (-1), WECHAT_LOGIN_FAILED for anything else WeChat answered or for no usable answer at all.
   */
  exchangeCode(code: string): Promise<WechatIdentity>;
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
  };
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
