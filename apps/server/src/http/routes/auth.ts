import { Hono } from 'hono';
import { z } from 'zod';
import { issueSession } from '../../core/sessions.js';
import { AppError } from '../../errors.js';
import type { AccountStore } from '../../storage/accounts.js';
import { requireMember } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { id, readJson } from '../validation.js';

// wx.login codes are short printable tokens; anything else never reaches WeChat.
export const wechatLogin = z.object({ code: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'code must be the code wx.login returned') });
export const devLogin = z.object({ userId: id });

export function authRoutes(deps: AppDeps) {
  const { wechat } = deps;
  const { accounts } = deps.storage;
  return new Hono<AppEnv>()
    .post('/api/auth/wechat', async (c) => {
      const body = await readJson(c, wechatLogin);
      if (!wechat) throw new AppError('UNAVAILABLE', 'WeChat login is not configured: set WECHAT_APPID and WECHAT_SECRET');
      const { openid } = await wechat.exchangeCode(body.code);
      const memberId = await memberForOpenid(accounts, openid, deps.now());
      return c.json(await issueSession(accounts, memberId, deps.now(), deps.config.sessionTtlSeconds));
    })
    .post('/api/auth/dev', async (c) => {
      // Off in production: it logs in as anyone.
      if (!deps.config.devLogin) throw new AppError('NOT_FOUND', 'The development login is off');
      const body = await readJson(c, devLogin);
      if (!(await accounts.getMember(body.userId))) throw new AppError('NOT_FOUND', `No member ${body.userId}`);
      return c.json(await issueSession(accounts, body.userId, deps.now(), deps.config.sessionTtlSeconds));
    })
    .post('/api/auth/logout', requireMember(deps), async (c) => {
      const { memberId, sessionId, tokenHash } = c.get('member');
      // The devices first: should that fail, the session still lives and the logout can be retried.
      await deps.storage.devices.revokeForSession(sessionId, deps.now());
      await accounts.revokeSession(tokenHash, deps.now());
      deps.closeMemberSockets(memberId, sessionId);
      return c.body(null, 204);
    });
}

/** The member of this openid, created on its first login. Two first logins at once end on the same member. */
async function memberForOpenid(accounts: AccountStore, openid: string, now: number): Promise<number> {
  const found = await accounts.findMemberByOpenid(openid);
  if (found) return found.id;
  try {
    return (await accounts.createMember({ openid }, now)).id;
  } catch (err) {
    // The openid is unique: a concurrent first login created the member between our find and insert.
    const raced = await accounts.findMemberByOpenid(openid);
    if (raced) return raced.id;
    throw err;
  }
}
