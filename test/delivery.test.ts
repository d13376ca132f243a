import { CLOSE_CODES, RETIRED_SUBPROTOCOLS, formatPushText, type ResultMessage } from '@scanpush/shared';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { TestSocket, api, devLogin, mintQr, scan } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.stop();
  srv = undefined;
});

async function setup(env: Record<string, string> = {}) {
  srv = await startServer({ env });
  const token = await devLogin(srv.url, 17);
  const scanOnce = async () => {
    const answer = await scan(srv!.url, srv!.demoMerchantKey, await mintQr(srv!.url, token));
    expect(answer.status).toBe(200);
    return answer.body.result as { seq: number; remaining: number };
  };
  return { srv, token, scanOnce, epoch: srv.storage.streams.epoch() };
}

/** Reads result frames until `synced`; answers the results and the synced frame. */
async function readUntilSynced(socket: TestSocket) {
  const results: ResultMessage[] = [];
  for (;;) {
    const frame = await socket.nextJson();
    if (frame.type === 'synced') return { results, synced: frame as { epoch: string; lastSeq: number; complete: boolean } };
    results.push(frame);
  }
}

describe('structured dialect: resume', () => {
  it('replays what the member missed, in order, once, then goes live', async () => {
    const { srv, token, scanOnce, epoch } = await setup();
    const first = await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' });
    expect(await first.nextJson()).toEqual({ type: 'synced', epoch, lastSeq: 0, complete: true });
    await scanOnce();
    expect(await first.nextJson()).toMatchObject({ type: 'result', seq: 1, remaining: 9 });
    first.close();
    await first.closed;

    await scanOnce(); // seq 2, offline
    await scanOnce(); // seq 3, offline
    const back = await TestSocket.open(srv.wsUrl, { token, structured: true });
    back.ws.send(JSON.stringify({ type: 'resume', epoch, after: 1 }));
    const { results, synced } = await readUntilSynced(back);
    expect(results.map((r) => [r.seq, r.remaining, r.text])).toEqual([
      [2, 8, '0_扣费成功_剩余次数: 8'],
      [3, 7, '0_扣费成功_剩余次数: 7'],
    ]);
    expect(synced).toEqual({ type: 'synced', epoch, lastSeq: 3, complete: true });
    await scanOnce();
    expect(await back.nextJson()).toMatchObject({ type: 'result', seq: 4, remaining: 6 });
    await back.expectSilence();

    // A client that lost its state resumes from further back and gets everything, in order.
    const fresh = await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' });
    const again = await readUntilSynced(fresh);
    expect(again.results.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    [back, fresh].forEach((s) => s.close());
  });

  it('keeps seq order when a scan races the resume', async () => {
    const { srv, token, scanOnce } = await setup();
    for (let i = 0; i < 3; i++) await scanOnce();
    const socket = await TestSocket.open(srv.wsUrl, { token, structured: true });
    const qr = await mintQr(srv.url, token);
    // The resume and a new scan race each other.
    socket.ws.send(JSON.stringify({ type: 'resume', after: 0 }));
    await scan(srv.url, srv.demoMerchantKey, qr);
    const seqs: number[] = [];
    while (seqs.length < 4) {
      const frame = await socket.nextJson();
      if (frame.type === 'result') seqs.push(frame.seq);
    }
    expect(seqs).toEqual([1, 2, 3, 4]);
    await socket.expectSilence();
    socket.close();
  });

  it('closes a socket that offers only a retired dialect with 4004, so an old app says to update', async () => {
    const { srv, token } = await setup();
    const old = new WebSocket(`${srv.wsUrl}/webSocket/17/2`, [...RETIRED_SUBPROTOCOLS], { headers: { authorization: `Bearer ${token}` } });
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => old.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    expect(closed).toEqual({ code: CLOSE_CODES.PROTOCOL_RETIRED.code, reason: CLOSE_CODES.PROTOCOL_RETIRED.reason });
  });

  it('closes a socket that sends an ack: acks left the protocol', async () => {
    const { srv, token } = await setup();
    const socket = await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' });
    await socket.nextJson(); // synced
    socket.ws.send(JSON.stringify({ type: 'ack', seq: 1 }));
    expect((await socket.closed).code).toBe(CLOSE_CODES.BAD_FRAME.code);
  });

  it('answers application pings with pongs', async () => {
    const { srv, token } = await setup();
    const socket = await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' });
    await socket.nextJson(); // synced
    socket.ws.send(JSON.stringify({ type: 'ping', id: 'p1' }));
    expect(await socket.nextJson()).toEqual({ type: 'pong', id: 'p1' });
    socket.close();
  });
});

describe('text dialect: pending results', () => {
  it('sends results committed while no socket was open once on connect, and not again', async () => {
    const { srv, token, scanOnce } = await setup();
    await scanOnce();
    await scanOnce();
    const socket = await TestSocket.open(srv.wsUrl, { token });
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 9');
    expect(await socket.next()).toBe('0_扣费成功_剩余次数: 8');
    socket.close();
    await socket.closed;
    // At once, before the delivery marks reach the database (they are written in batches).
    const again = await TestSocket.open(srv.wsUrl, { token });
    await again.expectSilence();
    await socket.expectSilence(0);
    // A result some socket received live is not pending either.
    await scanOnce();
    expect(await again.next()).toBe('0_扣费成功_剩余次数: 7');
    again.close();
    await again.closed;
    // And later, from the marks in the database.
    await new Promise((r) => setTimeout(r, 300));
    expect(await srv.storage.streams.undelivered(17, 2, 0, 100)).toEqual([]);
    const third = await TestSocket.open(srv.wsUrl, { token });
    await third.expectSilence();
    third.close();
  });

  it('sends at most the configured number of pending results, the newest ones, oldest first', async () => {
    const { srv, token, scanOnce } = await setup({ TEXT_REPLAY_MAX: '2' });
    for (let i = 0; i < 4; i++) await scanOnce();
    const socket = await TestSocket.open(srv.wsUrl, { token });
    expect([await socket.next(), await socket.next()]).toEqual(['0_扣费成功_剩余次数: 7', '0_扣费成功_剩余次数: 6']);
    await socket.expectSilence();
    socket.close();
  });
});

describe('liveness and limits', () => {
  it('terminates a socket that stops answering pings within two intervals, and keeps a live one', async () => {
    const { srv, token } = await setup({ HEARTBEAT_MS: '200' });
    const url = `${srv.wsUrl}/webSocket/17/2`;
    const mute = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, autoPong: false });
    await new Promise((r) => mute.once('open', r));
    const opened = Date.now();
    const live = await TestSocket.open(srv.wsUrl, { token });
    const closed = await new Promise<number>((resolve) => mute.once('close', (code) => resolve(code)));
    const lived = Date.now() - opened;
    expect(closed).toBe(1006); // terminated: no close frame
    // Two intervals, plus scheduling slack on a busy machine: this is a bound on the mechanism, not a speed.
    expect(lived).toBeLessThan(2 * 200 + 1500);
    await new Promise((r) => setTimeout(r, 600));
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
    expect((await api(srv.url, '/healthz')).body.sockets).toBe(1);
    live.close();
  });

  it('closes the oldest of six sockets with 4002; oversized, garbage and flooding sockets are closed alone', async () => {
    const { srv, token, scanOnce } = await setup();
    const sockets = [];
    for (let i = 0; i < 5; i++) sockets.push(await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' }));
    const sixth = await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' });
    const evicted = await sockets[0]!.closed;
    expect(evicted).toEqual({ code: CLOSE_CODES.REPLACED.code, reason: CLOSE_CODES.REPLACED.reason });

    const [big, garbage, flood] = sockets.slice(1, 4) as [TestSocket, TestSocket, TestSocket];
    big.ws.send('x'.repeat(5000));
    expect((await big.closed).code).toBe(1009);
    garbage.ws.send('not json at all');
    expect(await garbage.closed).toEqual({ code: 4000, reason: CLOSE_CODES.BAD_FRAME.reason });
    for (let i = 0; i < 100; i++) flood.ws.send(JSON.stringify({ type: 'ping' }));
    expect((await flood.closed).code).toBe(4003);

    const survivors = [sockets[4]!, sixth];
    await scanOnce();
    for (const s of survivors) {
      let frame;
      do frame = await s.nextJson();
      while (frame.type !== 'result');
      expect(frame).toMatchObject({ seq: 1, remaining: 9 });
    }
    expect((await api(srv.url, '/healthz')).body.sockets).toBe(2);
    survivors.forEach((s) => s.close());
  });
});

describe('long-poll fallback', () => {
  it('answers a held poll the moment a scan commits, with the same seq the socket sees', async () => {
    const { srv, token, scanOnce, epoch } = await setup();
    const socket = await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' });
    await socket.nextJson(); // synced
    const held = api(srv.url, `/api/notifications?storeId=2&epoch=${epoch}&after=0&wait=20`, { token });
    let answered = false;
    void held.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    await scanOnce();
    const poll = await held;
    expect(poll.status).toBe(200);
    expect(poll.body.results).toHaveLength(1);
    expect(poll.body).toMatchObject({ epoch, lastSeq: 1, complete: true, results: [{ type: 'result', epoch, seq: 1, remaining: 9, text: '0_扣费成功_剩余次数: 9' }] });
    const pushed = await socket.nextJson();
    expect(pushed).toEqual(poll.body.results[0]);

    // Switching from socket to polling: asking after the socket's last seq loses and repeats nothing.
    await scanOnce();
    const next = await api(srv.url, `/api/notifications?storeId=2&epoch=${epoch}&after=${pushed.seq}&wait=5`, { token });
    expect(next.body.results.map((r: ResultMessage) => r.seq)).toEqual([2]);
    const none = await api(srv.url, `/api/notifications?storeId=2&epoch=${epoch}&after=2&wait=0`, { token });
    expect(none.body).toEqual({ results: [], epoch, lastSeq: 2, complete: true });
    socket.close();
  });

  it('refuses bad parameters and missing sessions in the error shape', async () => {
    const { srv, token } = await setup();
    expect((await api(srv.url, '/api/notifications?storeId=2&after=-1', { token })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'after' });
    expect((await api(srv.url, '/api/notifications?storeId=2&after=0&wait=99', { token })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'wait' });
    expect((await api(srv.url, '/api/notifications?storeId=2&epoch=not%20an%20epoch&after=0', { token })).body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'epoch' });
    expect((await api(srv.url, '/api/notifications?storeId=2&after=0')).status).toBe(401);
  });

  it.each([
    ['after', 'after=1e0'],
    ['after', 'after=0x1'],
    ['after', 'after='],
    ['after', 'after=%201'],
    ['after', 'after=01'],
    ['wait', 'after=0&wait='],
    ['wait', 'after=0&wait=1.5'],
    ['wait', 'after=0&wait=1e1'],
    ['storeId', 'after=0&storeId=0x2'],
  ])('reads %s by the socket\'s one number rule: refuses %s', async (field, query) => {
    const { srv, token } = await setup();
    const res = await api(srv.url, `/api/notifications?${query.startsWith('after=0&storeId') ? '' : 'storeId=2&'}${query}`, { token });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field, message: expect.stringContaining('decimal digits') });
  });

  it('names the field of a bad path or query parameter', async () => {
    const { srv, token } = await setup();
    const path = await api(srv.url, '/api/cards/abc/history', { token });
    expect(path.status).toBe(400);
    expect(path.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'storeId', message: 'storeId: must be a whole number from 1 to 4294967295, in decimal digits' });
    const limit = await api(srv.url, '/api/cards/2/history?limit=0', { token });
    expect(limit.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'limit', message: 'limit: must be a whole number from 1 to 200, in decimal digits' });
    const missing = await api(srv.url, '/api/notifications?storeId=2', { token });
    expect(missing.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'after', message: 'after: is required' });
  });

  it('lets shutdown answer held polls at once', async () => {
    const { srv, token, epoch } = await setup();
    const held = api(srv.url, `/api/notifications?storeId=2&epoch=${epoch}&after=0&wait=30`, { token });
    await new Promise((r) => setTimeout(r, 200));
    const closing = srv.server.close();
    const poll = await held;
    expect(poll.body).toEqual({ results: [], epoch, lastSeq: 0, complete: true });
    await closing;
  });
});

describe('metrics', () => {
  it('exports Prometheus text whose counters move with the traffic', async () => {
    const { srv, token, scanOnce } = await setup();
    const read = async () => {
      const res = await fetch(`${srv.url}/metrics`);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const families = parsePrometheusTextFormat(await res.text());
      const value = (name: string, labels: Record<string, string> = {}) => {
        const family = families.find((f) => f.name === name);
        const metric = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
        return Number(metric?.value ?? metric?.count ?? 0);
      };
      return value;
    };
    const before = await read();
    expect(before('scanpush_sockets_open')).toBe(0);
    const socket = await TestSocket.open(srv.wsUrl, { token, structured: true, query: '?after=0' });
    await socket.nextJson();
    await scanOnce();
    await socket.nextJson(); // the result
    await scan(srv.url, srv.demoMerchantKey, 'garbage');
    await new Promise((r) => setTimeout(r, 100));
    const after = await read();
    expect(after('scanpush_sockets_open')).toBe(1);
    expect(after('scanpush_socket_connects_total', { dialect: 'structured' })).toBe(1);
    expect(after('scanpush_pushes_sent_total', { dialect: 'structured' })).toBe(1);
    expect(after('scanpush_scan_results_total', { result: 'OK' })).toBe(1);
    expect(after('scanpush_scan_results_total', { result: 'QR_INVALID' })).toBe(1);
    expect(after('scanpush_push_latency_seconds')).toBe(1);
    socket.close();
    await socket.closed;
    await new Promise((r) => setTimeout(r, 100));
    const closed = await read();
    expect(closed('scanpush_sockets_open')).toBe(0);
    expect(closed('scanpush_socket_disconnects_total', { reason: 'client' })).toBe(1);
  });
});
