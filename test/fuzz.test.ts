import { Socket, connect } from 'node:net';
import { API_ERROR_CODES, CLOSE_CODES, RESULT_CODES, STRUCTURED_SUBPROTOCOL, closeName, decodeServerMessage, type ApiErrorCode } from '@scanpush/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { HTTP_STATUS } from '../apps/server/src/errors.js';
import { devLogin } from './helpers/client.js';
import { FETCH_METHODS, body, frames, headers, method, path, query, rawRequest, route, upgrade, type Credentials, type RawRequest } from './helpers/fuzz.js';
import { Rng } from './helpers/random.js';
import { startServer, type TestServer } from './helpers/server.js';

// A bounded, seeded fuzz run against the real server: thousands of HTTP requests (well-formed through
// fetch, and raw bytes over TCP that no client library would send) and a few hundred member sockets with
// odd upgrades and frames. Whatever comes in, the server stays up, answers errors in the one shape with a
// code of the catalog and never 500, closes sockets only with codes of the close catalog, charges no
// card and tells no member anything, and keeps no socket once its clients are gone.
// Replay a run with FUZZ_SEED=<seed> (printed first); each case draws from its own generator, forked by
// its index, so a case's input does not depend on the others.

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : Math.floor(Math.random() * 2 ** 32);
const HTTP_CASES = 3_000;
const HTTP_BUDGET_MS = 45_000;
const WS_CASES = 300;
const WS_BUDGET_MS = 20_000;
// A raw request the server neither answers nor closes within this is a hang (its own limits are 1-2 s here).
const RAW_DEADLINE_MS = 8_000;
// SHUTDOWN_GRACE_MS (2 s in tests) and slack for a loaded machine: past it, stop() is held by a leaked connection.
const STOP_WITHIN_MS = 10_000;
const ERROR_CODES = new Set<string>([...API_ERROR_CODES, ...Object.keys(RESULT_CODES).filter((name) => name !== 'OK')]);

/**
 * What the run saw: a count per kind of answer, and each kind of failure with its shortest reproduction
 * per variant (the raw request's mutations, the fetch's method), so distinct causes of one symptom show.
 */
class Findings {
  readonly kinds = new Map<string, number>();
  private readonly failures = new Map<string, Map<string, { count: number; repro: string }>>();

  count(kind: string): void {
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
  }

  fail(category: string, repro: string, variant = ''): void {
    const variants = this.failures.get(category) ?? new Map<string, { count: number; repro: string }>();
    this.failures.set(category, variants);
    const seen = variants.get(variant);
    variants.set(variant, { count: (seen?.count ?? 0) + 1, repro: seen && seen.repro.length <= repro.length ? seen.repro : repro });
  }

  report(): string[] {
    return [...this.failures].sort(([a], [b]) => a.localeCompare(b)).map(([category, variants]) => {
      const all = [...variants.values()].sort((a, b) => a.repro.length - b.repro.length);
      const total = all.reduce((n, v) => n + v.count, 0);
      const shown = all.slice(0, 3).map((v) => v.repro).join('\n    ');
      return `${category} (x${total}${variants.size > 3 ? `, ${variants.size} variants` : ''}):\n    ${shown}`;
    });
  }

  print(title: string): void {
    const kinds = [...this.kinds].sort(([a], [b]) => a.localeCompare(b)).map(([kind, n]) => `  ${kind}: ${n}`);
    console.log(`${title} (FUZZ_SEED=${SEED})\n${kinds.join('\n')}`);
  }
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  method: string;
}

let srv: TestServer;
const creds: Credentials = { member: '', merchant: '' };
const root = new Rng(SEED);
let before: Awaited<ReturnType<typeof ledgerState>>;

beforeAll(async () => {
  console.log(`fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED})`);
  // Short head and request limits, so a stalled raw request is answered 408 within the case's deadline.
  srv = await startServer({ env: { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' } });
  creds.member = await devLogin(srv.url);
  creds.merchant = srv.demoMerchantKey;
  before = await ledgerState();
});

afterAll(async () => {
  await srv?.stop();
});

describe('fuzz against the real server', () => {
  it('answers every HTTP request in the one error shape, never 500, and stays up', { timeout: 80_000 }, async () => {
    const findings = new Findings();
    const { ran, ms } = await withHealthChecks(findings, () =>
      runCases(HTTP_CASES, HTTP_BUDGET_MS, 16, (i) => {
        const r = root.fork(i);
        return r.chance(0.5) ? fetchCase(r, i, findings) : rawCase(r, i, findings);
      }),
    );
    findings.print(`HTTP: ${ran} of ${HTTP_CASES} cases in ${ms} ms`);
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    expect(findings.report().join('\n')).toBe('');
  });

  it('refuses odd upgrades in the one shape and closes member sockets only with catalog codes', { timeout: 60_000 }, async () => {
    const findings = new Findings();
    // A fuzzed logout may have revoked the session the HTTP cases used.
    creds.member = await devLogin(srv.url);
    const { ran, ms } = await withHealthChecks(findings, () => runCases(WS_CASES, WS_BUDGET_MS, 4, (i) => socketCase(root.fork(1_000_000 + i), i, findings)));
    findings.print(`WebSocket: ${ran} of ${WS_CASES} cases in ${ms} ms`);
    expect(findings.report().join('\n')).toBe('');
  });

  it('charged nothing, told no member anything, and holds no socket once the clients are gone', async () => {
    expect(await ledgerState()).toEqual(before);
    expect((await srv.storage.audit()).problems).toEqual([]);
    let sockets = -1;
    for (let i = 0; i < 50 && sockets !== 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      sockets = ((await (await fetch(`${srv.url}/healthz`)).json()) as { sockets: number }).sockets;
    }
    expect(sockets).toBe(0);
  });

  it('stops within its grace once the clients are gone: no connection is left behind', async () => {
    const stopped = srv.stop();
    const inTime = await Promise.race([stopped.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), STOP_WITHIN_MS))]);
    // A connection the server never closes holds stop() forever: close it here, so the failure is reported
    // now instead of as a hook timeout, and the worker can exit.
    const left = inTime ? 0 : destroyServerSockets(srv.port);
    await stopped;
    expect(left, 'server-side connections still open after stop() was called').toBe(0);
  });
});

/** Destroys this process's sockets on the server's port (the server's side of its connections); answers how many. */
function destroyServerSockets(port: number): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const sockets = handles.filter((h): h is Socket => h instanceof Socket && h.localPort === port);
  sockets.forEach((socket) => socket.destroy());
  return sockets.length;
}

async function ledgerState() {
  const { cards, streams } = srv.storage;
  const { counts } = await srv.storage.audit();
  return {
    card: await cards.getCard(17, 2),
    history: await cards.history(17, 2, 1000),
    head: await streams.head(17, 2),
    recent: await streams.recent(0, 1000),
    deductions: counts.deductions,
    entries: counts.entries,
  };
}

/** Runs cases with `concurrency` at a time until `count` ran or `budgetMs` passed. */
async function runCases(count: number, budgetMs: number, concurrency: number, run: (i: number) => Promise<void>) {
  const started = Date.now();
  let next = 0;
  let broken = false;
  const worker = async () => {
    try {
      while (!broken && next < count && Date.now() - started < budgetMs) await run(next++);
    } catch (err) {
      // A bug of the test itself: stop the other workers too, so nothing outlives the test.
      broken = true;
      throw err;
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: concurrency }, worker));
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return { ran: next, ms: Date.now() - started };
}

/** Checks GET /healthz once a second while `work` runs. */
async function withHealthChecks<T>(findings: Findings, work: () => Promise<T>): Promise<T> {
  let done = false;
  const checks = (async () => {
    for (let i = 0; !done && i < 120; i++) {
      const res = await fetch(`${srv.url}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch((err: Error) => err);
      findings.count('health checks during the run');
      if (res instanceof Error || res.status !== 200) findings.fail('GET /healthz failed during the run', res instanceof Error ? res.message : `status ${res.status}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  try {
    return await work();
  } finally {
    done = true;
    await checks;
  }
}

async function fetchCase(r: Rng, i: number, findings: Findings): Promise<void> {
  // Half go where the routes are, with the method they take, to get past routing into validation.
  const { method: m, path: p } = r.chance(0.5) ? route(r) : { method: method(r), path: path(r) };
  const url = srv.url + p + query(r, creds);
  const hs = headers(r, creds);
  const b = ['GET', 'HEAD'].includes(m.toUpperCase()) ? undefined : body(r);
  const chunked = b !== undefined && r.chance(0.2);
  let sent: URL;
  try {
    sent = new URL(url);
  } catch {
    findings.count('fetch: not a URL (not sent)');
    return;
  }
  const longPoll = sent.pathname.toLowerCase().includes('notifications');
  const repro = redact(`case ${i}: fetch ${m} ${sent.pathname}${sent.search} headers=${JSON.stringify(hs)}${b ? ` body(${b.what}${chunked ? ', chunked' : ''})=${show(b.bytes)}` : ''}`);
  let res: Response;
  let bytes: Buffer;
  try {
    res = await fetch(url, {
      method: m,
      headers: hs,
      body: b && (chunked ? new Blob([new Uint8Array(b.bytes)]).stream() : b.bytes),
      redirect: 'manual',
      signal: AbortSignal.timeout(longPoll ? 1_500 : 8_000),
      ...(chunked ? { duplex: 'half' } : {}),
    } as RequestInit);
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError' && longPoll) findings.count('fetch: long-poll held (aborted at 1.5 s)');
    else if (name === 'TimeoutError') findings.fail('fetch: no answer within 8 s', repro);
    else if ((err as Error).message !== 'fetch failed') findings.count(`fetch: not sent (${(err as Error).message.slice(0, 60)})`);
    else if (FETCH_METHODS.includes(m)) findings.fail('fetch: a well-formed request closed without an answer', `${repro} (${String((err as Error).cause)})`);
    else findings.count('fetch: closed without an answer (a method Node cannot parse)');
    return;
  }
  findings.count(`fetch: answered ${res.status}`);
  await checkAnswer({ status: res.status, headers: Object.fromEntries(res.headers), body: bytes, method: m }, findings, repro, sent.pathname.includes('logout'), `${m} ${b?.what ?? ''}`);
}

async function rawCase(r: Rng, i: number, findings: Findings): Promise<void> {
  const req = rawRequest(r, creds);
  const repro = redact(`case ${i}: raw (${req.what}${req.halfClose ? '' : ', left open'}) ${show(req.bytes)}`);
  const { data, closed, upgraded } = await sendRaw(req);
  const parsed = parseAnswers(data, req.methods, closed);
  if (typeof parsed === 'string') return findings.fail(`raw: an answer that is not HTTP (${parsed})`, `${repro} -> ${show(data)}`, req.what);
  for (const answer of parsed) {
    findings.count(`raw: answered ${answer.status}${req.wellFormed ? '' : ' (malformed request)'}`);
    await checkAnswer(answer, findings, repro, req.bytes.subarray(0, 100).toString('latin1').includes('logout'), req.what);
  }
  if (parsed.length > 0 || upgraded) return;
  if (!closed) findings.fail(`raw: neither answered nor closed within ${RAW_DEADLINE_MS} ms`, repro, req.what);
  else if (req.wellFormed) findings.fail(`raw: a well-formed ${req.methods[0]} closed without an answer${req.halfClose ? ' (the client had half-closed)' : ''}`, repro, req.what);
  else findings.count('raw: closed without an answer (malformed request)');
}

/** Writes the request and reads until the server closes, answers everything sent, upgrades, or the deadline. */
function sendRaw(req: RawRequest): Promise<{ data: Buffer; closed: boolean; upgraded: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(srv.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean, upgraded = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed, upgraded });
    };
    const deadline = setTimeout(() => finish(false), RAW_DEADLINE_MS);
    socket.on('connect', () => {
      socket.write(req.bytes);
      if (req.halfClose) socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const parsed = parseAnswers(Buffer.concat(chunks), req.methods, false);
      if (typeof parsed === 'string') return finish(true);
      if (parsed.some((a) => a.status === 101)) return finish(true, true);
      // A connection kept alive after answering everything sent: nothing more will come.
      if (!req.halfClose && parsed.length === req.methods.length) finish(true);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
  });
}

/**
 * The complete answers in `data` (interim 1xx skipped; a 101 ends them), or what makes it not HTTP.
 * `closed`: the server closed the connection, so a body without a length ends here.
 */
function parseAnswers(data: Buffer, methods: string[], closed: boolean): Answer[] | string {
  const answers: Answer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end < 0) return answers;
    const [statusLine = '', ...lines] = data.subarray(offset, end).toString('latin1').split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine)?.[1];
    if (!status) return `status line ${JSON.stringify(statusLine.slice(0, 60))}`;
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const name = line.slice(0, line.indexOf(':')).toLowerCase();
      const value = line.slice(line.indexOf(':') + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    offset = end + 4;
    const code = Number(status);
    if (code >= 100 && code < 200 && code !== 101) continue;
    const method = methods[answers.length] ?? '?';
    if (code === 101) return [...answers, { status: code, headers, body: Buffer.alloc(0), method }];
    const body = method === 'HEAD' || code === 204 || code === 304 ? { bytes: Buffer.alloc(0), end: offset } : readBody(data, offset, headers, closed);
    if (typeof body === 'string') return body;
    if (!body) return answers;
    answers.push({ status: code, headers, body: body.bytes, method });
    offset = body.end;
  }
  return answers;
}

/** The body from `offset` (undefined while incomplete) and where it ends. */
function readBody(data: Buffer, offset: number, headers: Record<string, string>, closed: boolean): { bytes: Buffer; end: number } | undefined | string {
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (let at = offset; ; ) {
      const eol = data.indexOf('\r\n', at);
      if (eol < 0) return undefined;
      const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
      if (!Number.isInteger(size)) return 'a bad chunk size';
      if (size === 0) return data.length < eol + 4 ? undefined : { bytes: Buffer.concat(parts), end: eol + 4 };
      if (data.length < eol + 2 + size + 2) return undefined;
      parts.push(data.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  if (headers['content-length'] === undefined) return closed ? { bytes: data.subarray(offset), end: data.length } : undefined;
  const length = Number(headers['content-length']);
  if (!Number.isInteger(length) || length < 0) return 'a bad Content-Length';
  return data.length < offset + length ? undefined : { bytes: data.subarray(offset, offset + length), end: offset + length };
}

/** Every error answer: JSON in the one shape, a code of the catalog with its status, the request id. */
async function checkAnswer(a: Answer, findings: Findings, repro: string, logout: boolean, variant: string): Promise<void> {
  const fail = (what: string) => findings.fail(`${a.status}: ${what}`, `${repro} -> ${a.status} ${a.headers['content-type'] ?? ''} ${show(a.body, 200)}`, variant);
  if (a.status >= 500 && a.status !== 502 && a.status !== 503) fail('a server error');
  const text = a.body.toString('latin1');
  if ([srv.adminToken, srv.qrSecret].some((secret) => text.includes(secret))) fail('a secret in the answer');
  // A fuzzed logout revoked the session the cases use: take a new one, or the rest would all answer 401.
  if (a.status === 204 && logout) creds.member = await devLogin(srv.url);
  if (a.status < 400) return;
  if (a.status === 405 && !a.headers.allow) fail('405 without Allow');
  if (a.status === 429 && !a.headers['retry-after']) fail('429 without Retry-After');
  if (a.method !== 'HEAD' && a.body.length === 0) return fail(`a bare answer: no body, Content-Type ${a.headers['content-type'] ?? 'missing'}`);
  if (a.headers['content-type'] !== 'application/json') fail(`Content-Type ${a.headers['content-type'] ?? 'missing'}`);
  if (a.method === 'HEAD') {
    if (a.body.length > 0) fail('a body in an answer to HEAD');
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(a.body.toString('utf8'));
  } catch {
    return fail('a body that is not JSON');
  }
  const error = (json as { error?: Record<string, unknown> } | null)?.error;
  if (typeof error !== 'object' || error === null || typeof error.code !== 'string' || typeof error.message !== 'string') return fail('not {"error":{"code","message"}}');
  if (!ERROR_CODES.has(error.code)) return fail(`code ${error.code} not in the catalog`);
  if (HTTP_STATUS[error.code as ApiErrorCode] !== a.status) fail(`${error.code} answered with another status than the catalog's`);
  if (typeof error.requestId !== 'string') fail(`${error.code} without a requestId`);
  else if (error.requestId !== a.headers['x-request-id']) fail(`${error.code}: requestId is not X-Request-Id`);
}

async function socketCase(r: Rng, i: number, findings: Findings): Promise<void> {
  const c = upgrade(r, creds);
  const repro = redact(`case ${i}: upgrade ${c.path} protocols=${JSON.stringify(c.protocols)} headers=${JSON.stringify(c.headers)}`);
  let ws: WebSocket;
  try {
    ws = new WebSocket(srv.wsUrl + c.path, c.protocols, { headers: c.headers, handshakeTimeout: 5_000 });
  } catch (err) {
    findings.count(`ws: not sent (${(err as Error).message.slice(0, 40)})`);
    return;
  }
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const opened = await new Promise<boolean>((resolve) => {
    let settled = false;
    const settle = (open: boolean) => {
      settled = true;
      resolve(open);
    };
    ws.once('open', () => settle(true));
    ws.once('unexpected-response', (req, res) => {
      settled = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        req.destroy();
        const answer = { status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks), method: 'GET' };
        findings.count(`ws: refused ${answer.status}`);
        if (answer.status < 400) findings.fail(`ws: upgrade answered ${answer.status}`, repro);
        void checkAnswer(answer, findings, repro, false, c.protocols.join()).then(() => resolve(false));
      });
    });
    // Once open, errors show as the close code, which talk() judges.
    ws.on('error', (err) => {
      if (settled) return;
      // The server may accept without choosing any of the (junk) subprotocols offered; the client then gives up.
      if (/subprotocol/.test(err.message)) findings.count('ws: accepted without an offered subprotocol (the client gave up)');
      else findings.fail('ws: upgrade closed without an answer', `${repro} (${err.message})`);
      settle(false);
    });
  });
  if (!opened) {
    ws.terminate();
    return;
  }
  findings.count(`ws: accepted (${ws.protocol || 'text'})`);
  await talk(ws, r, closed, findings, `${repro} then`);
}

/** Sends fuzzed frames on an open socket, then judges it: closed with a catalog code, or alive and answering. */
async function talk(ws: WebSocket, r: Rng, closed: Promise<{ code: number; reason: string }>, findings: Findings, repro: string): Promise<void> {
  const structured = ws.protocol === STRUCTURED_SUBPROTOCOL;
  const pong = new Promise<void>((resolve) => {
    ws.on('pong', () => resolve());
    ws.on('message', (data, isBinary) => {
      const text = String(data);
      if (structured && (isBinary || !decodeServerMessage(text).ok)) findings.fail('ws: a server frame that does not decode', `${repro} -> ${show(Buffer.from(text))}`);
      if (text === '{"type":"pong","id":"probe"}') resolve();
    });
  });
  if (r.chance(0.1)) {
    ws.terminate();
    findings.count('ws: client dropped the connection');
    return;
  }
  const sent = frames(r);
  for (const frame of sent) {
    if (ws.readyState !== WebSocket.OPEN) break;
    ws.send(frame.data, { binary: frame.binary });
    if (r.chance(0.3)) await new Promise((resolve) => setTimeout(resolve, r.int(0, 30)));
  }
  const what = `${repro} frames ${sent.map((f) => `${f.what}:${show(Buffer.from(f.data), 60)}`).join(' ')}`;
  const timeout = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms));
  let outcome = await Promise.race([closed, timeout(300)]);
  if (outcome === 'timeout' && ws.readyState === WebSocket.OPEN) {
    if (structured) ws.send('{"type":"ping","id":"probe"}');
    else ws.ping();
    const probed = await Promise.race([pong.then(() => 'pong' as const), closed, timeout(3_000)]);
    if (probed === 'pong') {
      findings.count('ws: alive and answering pings');
      ws.close(1000);
      if ((await Promise.race([closed, timeout(3_000)])) === 'timeout') findings.fail('ws: the server did not answer a close', what);
      ws.terminate();
      return;
    }
    outcome = probed;
  }
  if (outcome === 'timeout') {
    findings.fail('ws: neither closed nor answering a ping', what);
    ws.terminate();
    return;
  }
  const name = closeName(outcome.code);
  findings.count(`ws: closed by the server ${outcome.code} ${name ?? ''}`.trim());
  if (!name) findings.fail(`ws: closed with ${outcome.code}, not in the close catalog`, `${what} -> ${outcome.code} ${JSON.stringify(outcome.reason)}`);
  else if (outcome.reason !== CLOSE_CODES[name].reason) findings.fail(`ws: ${name} closed with another reason than the catalog's`, `${what} -> ${JSON.stringify(outcome.reason)}`);
}

/** Bytes as a short JS string literal: long runs folded, the rest cut at `max`. */
function show(bytes: Buffer, max = 300): string {
  const folded = bytes.toString('latin1').replace(/(.)\1{15,}/gs, (run, c: string) => `${c}{x${run.length}}`);
  const cut = folded.length > max ? `${folded.slice(0, max)}...(${folded.length} chars)` : folded;
  return JSON.stringify(cut);
}

function redact(text: string): string {
  return text.split(creds.member).join('<member session>').split(creds.merchant).join('<merchant key>');
}
