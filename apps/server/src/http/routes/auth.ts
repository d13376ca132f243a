import { Hono } from 'hono';
import { z } from 'zod';
import { issueSession } from '../../core/sessions.js';
import { AppError } from '../../errors.js';
import { requireMember } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { readJson } from '../validation.js';

const id = z.number().int().positive().max(0xffffffff);

export function authRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .post('/api/auth/dev', async (c) => {
      // Off in production: it logs in as anyone.
      if (!deps.config.devLogin) throw new AppError('NOT_FOUND', 'The development login is off');
      const body = await readJson(c, z.object({ userId: id }));
      if (!(await deps.repo.getMember(body.userId))) throw new AppError('NOT_FOUND', `No member ${body.userId}`);
      return c.json(await issueSession(deps.repo, body.userId, deps.now(), deps.config.sessionTtlSeconds));
    })
    .post('/api/auth/logout', requireMember(deps), async (c) => {
      const { memberId, sessionId, tokenHash } = c.get('member');
      await deps.repo.revokeSession(tokenHash, deps.now());
      deps.closeMemberSockets(memberId, sessionId);
      return c.body(null, 204);
    });
}
