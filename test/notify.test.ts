import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSocket, api, mintQr, scan } from './helpers/client.js';
import { startNodes, type TestNodes } from './helpers/nodes.js';
import { TEST_ENGINE, startServer, type TestServer } from './helpers/server.js';
import { startWechatStandIn, wechatEnv, type StandInSend, type WechatStandIn } from './helpers/wechat-stand-in.js';

// WeChat subscription messages (订阅消息) for results no socket or long-poll received: the real server on
// a real database, members logged in through WeChat; WeChat's API (jscode2session, stable_token,
// subscribe/send) is the local stand-in, the only fake. The server's clock is the test's (`parts.now`), so
// the delay passes when the test moves it; the sender's loop runs on its own (real) timer, every second.

const TEMPLATE = 'tmplConsume0001-abc';
const DELAY_SECONDS = 5;
const notifyEnv = (wechat: WechatStandIn): Record<string, string> => ({
  ...wechatEnv(wechat),
  WECHAT_NOTIFY_TEMPLATE_ID: TEMPLATE,
  WECHAT_NOTIFY_FIELDS: 'thing1:store,number2:remaining,time3:time,phrase4:title',
  WECHAT_NOTIFY_PAGE: 'pages/member/index',
  WECHAT_NOTIFY_STATE: 'trial',
  WECHAT_NOTIFY_DELAY_SECONDS: String(DELAY_SECONDS),
  REPORT_TIME_ZONE: 'Asia/Shanghai',
});

/** Polls `check` until it holds; bounded. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sendsTo = (wechat: WechatStandIn, openid: string): StandInSend[] => wechat.sends.filter((s) => s.touser === openid);

async function metric(base: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** A WeChat member with `uses` at store 2: their session token. */
async function member(base: string, adminToken: string, wechat: WechatStandIn, openid: string, uses = 10): Promise<{ token: string; memberId: number }> {
  const login = await api(base, '/api/auth/wechat', { body: { code: wechat.issueCode(openid) } });
  expect(login.status).toBe(200);
  const { token, memberId } = login.body as { token: string; memberId: number };
  expect((await api(base, '/api/admin/cards', { token: adminToken, body: { memberId, storeId: 2, uses } })).status).toBe(200);
  return { token, memberId };
}

/** The member taps 允许 in wx.requestSubscribeMessage: WeChat records it, the mini-program reports it. */
async function accept(base: string, wechat: WechatStandIn, token: string, openid: string): Promise<Record<string, number>> {
  wechat.accept(openid, TEMPLATE);
  const answer = await api(base, '/api/notify/subscriptions', { token, body: { results: { [TEMPLATE]: 'accept', other_template_id: 'accept' } } });
  expect(answer.status).toBe(200);
  return answer.body.credits as Record<string, number>;
}

async function scanAs(srv: { url: string; demoMerchantKey: string }, token: string): Promise<{ seq: number; remaining: number }> {
  const answer = await scan(srv.url, srv.demoMerchantKey, await mintQr(srv.url, token));
  expect(answer.status).toBe(200);
  return answer.body.result as { seq: number; remaining: number };
}

describe('subscription messages on one server', () => {
  let wechat: WechatStandIn;
  let srv: TestServer;
  let clock = Date.UTC(2026, 10, 29, 7, 0, 0);
  const pass = (ms: number) => (clock += ms);

  beforeAll(async () => {
    wechat = await startWechatStandIn();
    srv = await startServer({ env: notifyEnv(wechat), parts: { now: () => clock } });
  });
  afterAll(async () => {
    await srv?.stop();
    await wechat?.stop();
  });

  it('answers the settings and counts acceptances of the configured template only', async () => {
    const m = await member(srv.url, srv.adminToken, wechat, 'o-settings');
    const before = await api(srv.url, '/api/notify/settings', { token: m.token });
    expect(before).toEqual({ status: 200, body: { enabled: true, templateIds: [TEMPLATE], credits: { [TEMPLATE]: 0 } } });
    expect(await accept(srv.url, wechat, m.token, 'o-settings')).toEqual({ [TEMPLATE]: 1 });
    const rejected = await api(srv.url, '/api/notify/subscriptions', { token: m.token, body: { results: { [TEMPLATE]: 'reject' } } });
    expect(rejected.body).toEqual({ credits: { [TEMPLATE]: 1 } });
    const bad = await api(srv.url, '/api/notify/subscriptions', { token: m.token, body: { results: 'accept' } });
    expect(bad.status).toBe(400);
  });

  it('sends one message with the mapped fields after the delay to a member with a credit and no socket', async () => {
    const m = await member(srv.url, srv.adminToken, wechat, 'o-closed');
    await accept(srv.url, wechat, m.token, 'o-closed');
    const scannedAt = clock;
    await scanAs(srv, m.token);
    // Before the delay: nothing, whatever the loop does meanwhile.
    pass(DELAY_SECONDS * 1000 - 1000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sendsTo(wechat, 'o-closed')).toEqual([]);
    pass(2000);
    await until(() => sendsTo(wechat, 'o-closed').length > 0, 'the message');
    const shanghai = new Date(scannedAt + 8 * 3600_000);
    const time = `${shanghai.getUTCFullYear()}年${shanghai.getUTCMonth() + 1}月${shanghai.getUTCDate()}日 ${String(shanghai.getUTCHours()).padStart(2, '0')}:${String(shanghai.getUTCMinutes()).padStart(2, '0')}`;
    expect(sendsTo(wechat, 'o-closed')).toEqual([
      {
        touser: 'o-closed',
        template_id: TEMPLATE,
        page: 'pages/member/index',
        miniprogram_state: 'trial',
        lang: 'zh_CN',
        data: { thing1: { value: 'Demo car wash' }, number2: { value: '9' }, time3: { value: time }, phrase4: { value: '扣费成功' } },
        errcode: 0,
      },
    ]);
    expect((await api(srv.url, '/api/notify/settings', { token: m.token })).body.credits).toEqual({ [TEMPLATE]: 0 });
    await until(async () => (await metric(srv.url, 'scanpush_notify_sends_total', 'result="sent"')) >= 1, 'the sent count');
    expect(await metric(srv.url, 'scanpush_notify_credits_total', 'event="spent"')).toBeGreaterThanOrEqual(1);
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    expect(text).toMatch(/^scanpush_notify_jobs_pending 0$/m);
    expect(text).toMatch(/^scanpush_notify_token_age_seconds \d/m);
    // Rounds go on: the one result is never sent again.
    pass(60_000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(sendsTo(wechat, 'o-closed')).toHaveLength(1);
  });

  it('sends nothing for what a socket or a long-poll received; drops the job of a member without a credit', async () => {
    const bySocket = await member(srv.url, srv.adminToken, wechat, 'o-socket');
    const byPoll = await member(srv.url, srv.adminToken, wechat, 'o-poll');
    const noCredit = await member(srv.url, srv.adminToken, wechat, 'o-no-credit');
    const watcher = await member(srv.url, srv.adminToken, wechat, 'o-watcher');
    for (const [m, openid] of [[bySocket, 'o-socket'], [byPoll, 'o-poll'], [watcher, 'o-watcher']] as const) await accept(srv.url, wechat, m.token, openid);
    const droppedBefore = await metric(srv.url, 'scanpush_notify_sends_total', 'result="no-credit"');

    const socket = await TestSocket.open(srv.wsUrl, { memberId: bySocket.memberId, token: bySocket.token, structured: true, query: '?after=0' });
    expect((await socket.nextJson()).type).toBe('synced');
    await scanAs(srv, bySocket.token);
    expect(await socket.nextJson()).toMatchObject({ type: 'result', memberId: bySocket.memberId });
    const poll = api(srv.url, '/api/notifications?storeId=2&after=0&wait=10', { token: byPoll.token });
    await scanAs(srv, byPoll.token);
    expect((await poll).body.results).toHaveLength(1);
    await scanAs(srv, noCredit.token);
    // Scanned last: when its message is sent, the others' round has passed.
    await scanAs(srv, watcher.token);
    const undelivered = async (memberId: number) => (await srv.storage.streams.undelivered(memberId, 2, 0, 10)).length;
    await until(async () => (await undelivered(bySocket.memberId)) === 0 && (await undelivered(byPoll.memberId)) === 0, 'the delivery marks');

    pass(DELAY_SECONDS * 1000 + 1000);
    await until(() => sendsTo(wechat, 'o-watcher').length === 1, "the watcher's message");
    await until(async () => (await metric(srv.url, 'scanpush_notify_sends_total', 'result="no-credit"')) === droppedBefore + 1, 'the no-credit drop');
    expect(sendsTo(wechat, 'o-socket')).toEqual([]);
    expect(sendsTo(wechat, 'o-poll')).toEqual([]);
    expect(sendsTo(wechat, 'o-no-credit')).toEqual([]);
    // The credits of those who received the result in the mini-program are still theirs.
    expect((await api(srv.url, '/api/notify/settings', { token: bySocket.token })).body.credits).toEqual({ [TEMPLATE]: 1 });
    socket.close();
  });

  it('stops at 43101 until the member accepts again', async () => {
    const m = await member(srv.url, srv.adminToken, wechat, 'o-refused');
    // The server holds a credit WeChat does not (the member turned messages off in WeChat's settings).
    await api(srv.url, '/api/notify/subscriptions', { token: m.token, body: { results: { [TEMPLATE]: 'accept' } } });
    await api(srv.url, '/api/notify/subscriptions', { token: m.token, body: { results: { [TEMPLATE]: 'accept' } } });
    await scanAs(srv, m.token);
    pass(DELAY_SECONDS * 1000 + 1000);
    await until(() => sendsTo(wechat, 'o-refused').length === 1, 'the refused send');
    expect(sendsTo(wechat, 'o-refused')[0]!.errcode).toBe(43101);
    await until(async () => (await api(srv.url, '/api/notify/settings', { token: m.token })).body.credits[TEMPLATE] === 0, 'the credits cleared');

    const watcher = await member(srv.url, srv.adminToken, wechat, 'o-refused-watcher');
    await accept(srv.url, wechat, watcher.token, 'o-refused-watcher');
    await scanAs(srv, m.token);
    await scanAs(srv, watcher.token);
    pass(DELAY_SECONDS * 1000 + 1000);
    await until(() => sendsTo(wechat, 'o-refused-watcher').length === 1, "the watcher's message");
    expect(sendsTo(wechat, 'o-refused')).toHaveLength(1);

    expect(await accept(srv.url, wechat, m.token, 'o-refused')).toEqual({ [TEMPLATE]: 1 });
    await scanAs(srv, m.token);
    pass(DELAY_SECONDS * 1000 + 1000);
    await until(() => sendsTo(wechat, 'o-refused').length === 2, 'the message after the new acceptance');
    expect(sendsTo(wechat, 'o-refused')[1]!.errcode).toBe(0);
  });

  it('refreshes an expired token once and sends again; retries when WeChat is busy', async () => {
    const m = await member(srv.url, srv.adminToken, wechat, 'o-token');
    await accept(srv.url, wechat, m.token, 'o-token');
    await accept(srv.url, wechat, m.token, 'o-token');
    const forcedBefore = wechat.tokenCalls.forced;
    wechat.expireTokens();
    await scanAs(srv, m.token);
    pass(DELAY_SECONDS * 1000 + 1000);
    await until(() => sendsTo(wechat, 'o-token').length === 1, 'the message with a fresh token');
    expect(sendsTo(wechat, 'o-token')[0]!.errcode).toBe(0);
    expect(wechat.tokenCalls.forced).toBe(forcedBefore + 1);

    wechat.failSends(-1);
    await scanAs(srv, m.token);
    pass(DELAY_SECONDS * 1000 + 1000);
    await until(() => sendsTo(wechat, 'o-token').length === 2, 'the busy answer');
    expect(sendsTo(wechat, 'o-token')[1]!.errcode).toBe(-1);
    // The credit came back with the busy answer, and the retry is due after its backoff.
    expect((await api(srv.url, '/api/notify/settings', { token: m.token })).body.credits).toEqual({ [TEMPLATE]: 1 });
    pass(10_000);
    await until(() => sendsTo(wechat, 'o-token').length === 3, 'the retry');
    expect(sendsTo(wechat, 'o-token')[2]!.errcode).toBe(0);
    expect((await api(srv.url, '/api/notify/settings', { token: m.token })).body.credits).toEqual({ [TEMPLATE]: 0 });
  });
});

describe('subscription messages off', () => {
  it('answers the routes without templates or credits, and sends nothing', async () => {
    const wechat = await startWechatStandIn();
    const srv = await startServer({ env: wechatEnv(wechat) });
    try {
      const m = await member(srv.url, srv.adminToken, wechat, 'o-off');
      expect(await api(srv.url, '/api/notify/settings', { token: m.token })).toEqual({ status: 200, body: { enabled: false, templateIds: [], credits: {} } });
      const reported = await api(srv.url, '/api/notify/subscriptions', { token: m.token, body: { results: { [TEMPLATE]: 'accept' } } });
      expect(reported).toEqual({ status: 200, body: { credits: {} } });
      expect(wechat.tokenCalls.total).toBe(0);
    } finally {
      await srv.stop();
      await wechat.stop();
    }
  });
});

describe.skipIf(TEST_ENGINE !== 'sqlite')('subscription messages across a restart (SQLite)', () => {
  it('still sends once when the server stopped between the commit and the send', async () => {
    const wechat = await startWechatStandIn();
    let clock = Date.UTC(2026, 10, 29, 9, 0, 0);
    const first = await startServer({ env: notifyEnv(wechat), parts: { now: () => clock } });
    let second: TestServer | undefined;
    try {
      const m = await member(first.url, first.adminToken, wechat, 'o-restart');
      await accept(first.url, wechat, m.token, 'o-restart');
      await scanAs(first, m.token);
      await first.server.close();
      expect(sendsTo(wechat, 'o-restart')).toEqual([]);

      clock += DELAY_SECONDS * 1000 + 1000;
      second = await startServer({ env: notifyEnv(wechat), parts: { now: () => clock }, dir: first.dir });
      await until(() => sendsTo(wechat, 'o-restart').length === 1, 'the message after the restart');
      clock += 60_000;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(sendsTo(wechat, 'o-restart').map((s) => s.errcode)).toEqual([0]);
    } finally {
      await second?.stop();
      await first.stop();
      await wechat.stop();
    }
  });
});

describe('subscription messages on two nodes (PostgreSQL + Redis)', () => {
  let wechat: WechatStandIn;
  let cluster: TestNodes;

  beforeAll(async () => {
    wechat = await startWechatStandIn();
    cluster = await startNodes(2, { env: notifyEnv(wechat) });
  });
  afterAll(async () => {
    await cluster?.stop();
    await wechat?.stop();
  });

  it('sends each job once, whichever node claims it, on one shared token', async () => {
    const [a, b] = cluster.nodes as [TestServer, TestServer];
    const openids = ['o-node-1', 'o-node-2', 'o-node-3'];
    const members = [];
    for (const [i, openid] of openids.entries()) {
      const node = i % 2 === 0 ? a : b;
      const m = await member(node.url, node.adminToken, wechat, openid);
      // Two credits each: a second send of a job would be taken by WeChat, not refused, and so seen.
      await accept(node.url, wechat, m.token, openid);
      await accept(node.url, wechat, m.token, openid);
      members.push(m);
    }
    for (const [i, m] of members.entries()) await scanAs(i % 2 === 0 ? a : b, m.token);
    // The nodes' clocks are real here: the delay passes in real time.
    await until(() => openids.every((o) => sendsTo(wechat, o).length >= 1), 'a message to each member', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const openid of openids) expect(sendsTo(wechat, openid).map((s) => s.errcode)).toEqual([0]);
    expect(wechat.tokenCalls.total).toBe(1);
  });
});
