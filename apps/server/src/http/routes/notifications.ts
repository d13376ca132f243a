import { Hono } from 'hono';
import { z } from 'zod';
import type { LongPoll } from '../../push/long-poll.js';
import { requireMember } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, idParam } from '../validation.js';

/** Longest a poll is held; nginx and phones cut idle requests not much later. */
const MAX_WAIT_SECONDS = 30;

const query = z.object({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  wait: z.coerce.number().min(0).max(MAX_WAIT_SECONDS).default(25),
  storeId: idParam.optional(),
});

export function notificationRoutes(deps: AppDeps, longPoll: LongPoll) {
  return new Hono<AppEnv>().get('/api/notifications', requireMember(deps), async (c) => {
    const q = check(query, c.req.query());
    const { memberId } = c.get('member');
    return c.json(await longPoll.poll(memberId, q.after, q.wait * 1000, q.storeId, c.req.raw.signal));
  });
}
