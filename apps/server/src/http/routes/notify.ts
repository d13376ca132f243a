import { Hono } from 'hono';
import { z } from 'zod';
import { requireMember } from '../auth.js';
import type { AppDeps, AppEnv } from '../context.js';
import { readJson } from '../validation.js';

/** Templates one request may report: WeChat asks for at most 3 at once; room for more without unbounded bodies. */
const MAX_RESULTS = 20;

// What `wx.requestSubscribeMessage`'s success gives, per template id: 'accept', 'reject', 'ban', 'filter'.
// Any other value (WeChat may add some) is taken and ignored, as the other three are.
export const subscriptions = z.object({
  results: z
    .record(z.string().min(1).max(128), z.string().max(32))
    .refine((r) => Object.keys(r).length <= MAX_RESULTS, `at most ${MAX_RESULTS} templates`)
    .meta({ maxProperties: MAX_RESULTS }),
});

/**
 * The member's subscription messages (订阅消息): which templates the mini-program should ask for, the
 * credits held, and the report of what the member chose in `wx.requestSubscribeMessage`. Each 'accept' of
 * a configured template is one credit (WeChat allows exactly one send for it); nothing else is kept.
 * With subscription messages off the routes still answer (enabled false, no templates, no credits), so
 * a mini-program released before the operator configures them needs no other path.
 */
export function notifyRoutes(deps: AppDeps) {
  const notify = deps.config.notify;
  const templateIds = notify ? [notify.templateId] : [];
  const store = deps.storage.notify;
  const member = requireMember(deps);
  const creditsOf = async (memberId: number) => {
    const credits: Record<string, number> = {};
    for (const id of templateIds) credits[id] = await store.credits(memberId, id);
    return credits;
  };
  return new Hono<AppEnv>()
    .get('/api/notify/settings', member, async (c) => {
      const { memberId } = c.get('member');
      return c.json({ enabled: notify !== undefined, templateIds, credits: await creditsOf(memberId) });
    })
    .post('/api/notify/subscriptions', member, async (c) => {
      const { memberId } = c.get('member');
      const body = await readJson(c, subscriptions);
      for (const id of templateIds) {
        if (body.results[id] !== 'accept') continue;
        await store.grantCredit(memberId, id, deps.now());
        deps.metrics.notifyCredits.inc({ event: 'granted' });
      }
      return c.json({ credits: await creditsOf(memberId) });
    });
}
