// The other half of the PostgreSQL driver choice (issue 12; pg-drivers.ts measures speed): what each
// driver does when the database goes away and comes back — how fast a query fails, with what error (which
// the engine must classify as "unavailable"), and whether the same pool serves again without being
// recreated. Each driver talks to the local PostgreSQL through a TCP link this script controls:
//
//   npx tsx apps/bench/src/pg-driver-faults.ts
//
// Steps, per driver (pool of 4, connect timeout 1 s, and for node-postgres the engine's read timeout):
//   reset     every connection reset and new ones refused (a crashed or restarting server)
//   back      the link forwards again
//   silent    new connections accepted and never answered (a server gone from the network)
//   frozen    a query in flight when the established connection stops carrying data
// Nothing here touches the PostgreSQL server itself.
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import postgres from 'postgres';

const TARGET = new URL(process.env.SCANPUSH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
/** How long a step may take before the script stops waiting and reports a hang. */
const GIVE_UP_MS = 8000;

type Mode = 'up' | 'reset' | 'silent';

/** A loopback link to PostgreSQL: forwards, resets, swallows new connections, or freezes established ones. */
async function startLink() {
  const open = new Set<Socket>();
  const state = { mode: 'up' as Mode, frozen: false };
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (state.mode === 'reset') return client.resetAndDestroy();
    if (state.mode === 'silent') return;
    const upstream = connect(Number(TARGET.port || 5432), TARGET.hostname);
    open.add(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => (open.delete(upstream), client.destroy()));
    client.on('close', () => upstream.destroy());
    // Data is dropped, not buffered, while frozen: the connection stays open and carries nothing.
    client.on('data', (chunk) => state.frozen || upstream.write(chunk));
    upstream.on('data', (chunk) => state.frozen || client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(TARGET);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    state,
    resetAll: () => open.forEach((s) => s.resetAndDestroy()),
    close: () => (open.forEach((s) => s.destroy()), new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}

interface Driver {
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}

const drivers: Record<string, (url: string) => Driver> = {
  'node-postgres': (url) => {
    // As the engine configures it (storage/postgres/pool.ts): connect timeout, and a read timeout past
    // the statement timeout so a silent server ends a query too.
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 1000, query_timeout: 2000, keepAlive: true });
    pool.on('error', () => undefined);
    return { query: (text) => pool.query(text), end: () => pool.end() };
  },
  'postgres.js': (url) => {
    // postgres.js has a connect timeout (seconds) but no client-side query timeout.
    const sql = postgres(url, { max: 4, connect_timeout: 1, onnotice: () => undefined });
    return { query: (text) => sql.unsafe(text), end: () => sql.end({ timeout: 1 }) };
  },
};

const describe = (err: { code?: string; message?: string }) => [err.code, err.message?.slice(0, 50)].filter(Boolean).join(' ');

/**
 * Runs `calls` queries at once: how they ended, and when the last did; calls still pending after
 * GIVE_UP_MS are reported as hanging.
 */
async function timed(call: () => Promise<unknown>, calls = 1): Promise<string> {
  const started = performance.now();
  const outcomes = Array.from({ length: calls }, () =>
    call().then(
      () => 'ok',
      (err: { code?: string; message?: string }) => `failed: ${describe(err)}`,
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), GIVE_UP_MS)));
  const ended: string[] = [];
  const all = Promise.all(outcomes.map((o) => o.then((r) => ended.push(r))));
  const result = await Promise.race([all, giveUp]);
  clearTimeout(timer);
  const counts = new Map<string, number>();
  for (const r of ended) counts.set(r, (counts.get(r) ?? 0) + 1);
  const summary = [...counts].map(([r, n]) => (calls > 1 ? `${n}x ${r}` : r)).join('; ');
  if (result === 'hang') return `${summary ? `${summary}; ` : ''}${calls - ended.length} still waiting after ${GIVE_UP_MS} ms`;
  return `${summary} (${(performance.now() - started).toFixed(0)} ms)`;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A driver error nobody can catch would crash a server: count it rather than die.
process.on('uncaughtException', (err) => console.log(`               UNCAUGHT EXCEPTION: ${describe(err as Error)}`));

for (const [name, open] of Object.entries(drivers)) {
  const link = await startLink();
  const driver = open(link.url);
  const report = (step: string, outcome: string) => console.log(`${name.padEnd(14)} ${step.padEnd(38)} ${outcome}`);
  const warm = () => Promise.all(Array.from({ length: 4 }, () => driver.query('SELECT 1')));
  await warm();

  // The server crashed: open connections reset, new ones refused by reset. Right after the reset, the
  // pool still holds the connections it has not yet seen die; a moment later, it has.
  link.state.mode = 'reset';
  link.resetAll();
  report('reset: a query at once', await timed(() => driver.query('SELECT 1')));
  await pause(100);
  report('reset: 8 queries, 100 ms later', await timed(() => driver.query('SELECT 1'), 8));
  link.state.mode = 'up';
  report('back: 8 queries, same pool', await timed(() => driver.query('SELECT 1'), 8));

  // Gone from the network: new connections are never answered.
  link.state.mode = 'silent';
  link.resetAll();
  await pause(100);
  report('silent: 8 queries', await timed(() => driver.query('SELECT 1'), 8));
  link.state.mode = 'up';
  link.resetAll();
  await pause(100);
  report('back: 8 queries, same pool', await timed(() => driver.query('SELECT 1'), 8));

  // The server vanishes in the middle of a query: nothing more arrives on the connection.
  await warm();
  const inFlight = timed(() => driver.query('SELECT pg_sleep(0.2)'));
  link.state.frozen = true;
  report('frozen: a query in flight', await inFlight);
  link.state.frozen = false;
  link.resetAll();
  await pause(100);
  report('back: 8 queries, same pool', await timed(() => driver.query('SELECT 1'), 8));

  await Promise.race([driver.end(), pause(2000)]);
  await link.close();
}
// A driver stuck on a frozen connection may keep the event loop alive.
process.exit(0);
