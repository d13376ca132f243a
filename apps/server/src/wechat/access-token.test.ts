import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWechatStandIn, type WechatStandIn } from '../../../../test/helpers/wechat-stand-in.js';
import { createLogger } from '../logger.js';
import { createSqliteStorage } from '../storage/sqlite/open.js';
import type { Storage } from '../storage/storage.js';
import { AccessTokens, REFRESH_BEFORE_MS } from './access-token.js';
import { createWechatClient } from './client.js';

// Two keepers (two nodes' worth) on one real SQLite storage; WeChat's stable_token is the test stand-in
// (the only fake), which counts its calls.
let dir: string;
let storage: Storage;
let wechat: WechatStandIn;
let clock: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scanpush-token-'));
  storage = createSqliteStorage(join(dir, 'scanpush.db'));
  wechat = await startWechatStandIn();
  clock = Date.UTC(2026, 10, 29, 7, 0, 0);
});
afterEach(async () => {
  await storage.close();
  await wechat.stop();
  rmSync(dir, { recursive: true, force: true });
});

const keeper = (holder: string) =>
  new AccessTokens({
    store: storage.notify,
    wechat: createWechatClient({ appid: wechat.appid, secret: wechat.secret, apiBase: wechat.url }),
    holder,
    now: () => clock,
    logger: createLogger('silent'),
  });

describe('AccessTokens', () => {
  it('fetches one token for several nodes asking at once, and reuses it until shortly before expiry', async () => {
    const [a, b] = [keeper('node-a'), keeper('node-b')];
    const tokens = await Promise.all([a.token(), b.token(), a.token(), b.token()]);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^token-/);
    expect(wechat.tokenCalls).toEqual({ total: 1, forced: 0 });
    expect(a.ageSeconds()).toBe(0);

    clock += 7200_000 - REFRESH_BEFORE_MS - 1000;
    expect(await b.token()).toBe(tokens[0]);
    expect(wechat.tokenCalls.total).toBe(1);
    // Within five minutes of the expiry: asked again (WeChat answers the same token while it works).
    clock += 2000;
    await b.token();
    expect(wechat.tokenCalls.total).toBe(2);
  });

  it('replaces a refused token once, however many nodes saw it refused', async () => {
    const [a, b] = [keeper('node-a'), keeper('node-b')];
    const first = (await a.token())!;
    wechat.expireTokens();
    const fresh = await Promise.all([a.forceRefresh(first), b.forceRefresh(first)]);
    expect(fresh[0]).toBeDefined();
    expect(fresh[0]).not.toBe(first);
    expect(fresh[1]).toBe(fresh[0]);
    expect(wechat.tokenCalls.forced).toBe(1);
    expect(await b.token()).toBe(fresh[0]);
  });

  it('answers no token when WeChat refuses the credentials', async () => {
    const wrong = new AccessTokens({
      store: storage.notify,
      wechat: createWechatClient({ appid: wechat.appid, secret: 'not-the-secret-at-all', apiBase: wechat.url }),
      holder: 'node-a',
      now: () => clock,
      logger: createLogger('silent'),
    });
    expect(await wrong.token()).toBeUndefined();
    expect(await storage.notify.accessToken()).toBeUndefined();
  });
});
