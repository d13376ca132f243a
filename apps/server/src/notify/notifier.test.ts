import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWechatStandIn, type WechatStandIn } from '../../../../test/helpers/wechat-stand-in.js';
import type { NotifyConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { createSqliteStorage } from '../storage/sqlite/open.js';
import type { Storage } from '../storage/storage.js';
import { AccessTokens } from '../wechat/access-token.js';
import { createWechatClient } from '../wechat/client.js';
import { Notifier } from './notifier.js';

// The sender's answers to WeChat's refusals, one round at a time (`tick`), on a real SQLite storage with
// WeChat's API as the test stand-in (the only fake). The end-to-end paths are in test/notify.test.ts.
const TEMPLATE = 'tmplConsume0001';
const config: NotifyConfig = { templateId: TEMPLATE, fields: [{ key: 'thing1', source: 'store' }], page: 'pages/member/index', state: 'formal', delayMs: 5000, refusals: false };

let dir: string;
let storage: Storage;
let wechat: WechatStandIn;
let metrics: Metrics;
let clock: number;
let notifier: Notifier;
let memberId: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scanpush-notifier-'));
  storage = createSqliteStorage(join(dir, 'scanpush.db'));
  wechat = await startWechatStandIn();
  metrics = createMetrics({ openSockets: () => 0, undelivered: async () => 0 });
  clock = Date.UTC(2026, 10, 29, 7, 0, 0);
  const logger = createLogger('silent');
  const client = createWechatClient({ appid: wechat.appid, secret: wechat.secret, apiBase: wechat.url });
  const tokens = new AccessTokens({ store: storage.notify, wechat: client, holder: 'node-a', now: () => clock, logger });
  notifier = new Notifier({ config, timeZone: 'UTC', store: storage.notify, tokens, wechat: client, metrics, logger, now: () => clock });
  memberId = (await storage.accounts.createMember({ openid: 'o-unit' }, clock)).id;
});
afterEach(async () => {
  await notifier.stop();
  await storage.close();
  await wechat.stop();
  rmSync(dir, { recursive: true, force: true });
});

const job = (seq: number, value = '星光洗车') =>
  storage.notify.enqueue({ memberId, openid: 'o-unit', storeId: 2, seq, templateId: TEMPLATE, data: { thing1: { value } }, dueAt: clock }, clock);
const sends = async (result: string) => (await metrics.registry.getSingleMetric('scanpush_notify_sends_total')!.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

describe('Notifier', () => {
  it('drops a message WeChat refuses as invalid, giving the credit back', async () => {
    await storage.notify.grantCredit(memberId, TEMPLATE, clock);
    wechat.accept('o-unit', TEMPLATE);
    await job(1, '一二三四五六七八九十一二三四五六七八九十一');
    await notifier.tick();
    expect(wechat.sends.map((s) => s.errcode)).toEqual([47003]);
    expect(await sends('errcode-47003')).toBe(1);
    expect(await storage.notify.credits(memberId, TEMPLATE)).toBe(1);
    expect(await storage.notify.countJobs()).toMatchObject({ pending: 0, dropped: 1 });
  });

  it('retries a busy WeChat with growing backoff and gives up after 5 attempts', async () => {
    await storage.notify.grantCredit(memberId, TEMPLATE, clock);
    wechat.accept('o-unit', TEMPLATE);
    wechat.failSends(-1, 5);
    await job(1);
    const waits = [5_000, 10_000, 20_000, 40_000];
    for (const wait of waits) {
      await notifier.tick();
      // Not due before its backoff ends.
      clock += wait - 1;
      await notifier.tick();
      clock += 1;
    }
    expect(wechat.sends).toHaveLength(4);
    await notifier.tick();
    expect(wechat.sends.map((s) => s.errcode)).toEqual([-1, -1, -1, -1, -1]);
    expect(await sends('retry')).toBe(4);
    expect(await sends('gave-up')).toBe(1);
    expect(await storage.notify.credits(memberId, TEMPLATE)).toBe(1);
    clock += 3600_000;
    await notifier.tick();
    expect(wechat.sends).toHaveLength(5);
  });
});
