import { Hono } from 'hono';
import { z } from 'zod';
import { isEpoch } from '@scanpush/shared';
import type { LongPoll } from '../../push/long-poll.js';
import { requireMember } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { check, decimalParam, idParam, seqParam } from '../validation.js';

/** Longest a poll is held; nginx and phones cut idle requests not much later. */
const MAX_WAIT_SECONDS = 30;

export const pollQuery = z.object({
  storeId: idParam,
  epoch: z.string().refine(isEpoch, 'must be 1-64 characters of [A-Za-z0-9_-]').meta({ pattern: '^[A-Za-z0-9_-]{1,64}$' }).optional(),
  after: seqParam,
  wait: decimalParam(0, MAX_WAIT_SECONDS).default(25),
});

/**
 * `GET /api/notifications?storeId=ID&epoch=E&after=SEQ&wait=S`: the long-poll over one stream (the
 * member's results at the store), with the socket's resume rule. Answers NotificationsResponse.
 */
export function notificationRoutes(deps: AppDeps, longPoll: LongPoll) {
  return new Hono<AppEnv>().get('/api/notifications', requireMember(deps), async (c) => {
    const q = check(pollQuery, c.req.query());
    const { memberId } = c.get('member');
    const position = q.epoch === undefined ? { after: q.after } : { epoch: q.epoch, after: q.after };
    return c.json(await longPoll.poll({ memberId, storeId: q.storeId, position, waitMs: q.wait * 1000, signal: c.req.raw.signal }));
  });
}
