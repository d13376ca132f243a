// Chooses the PostgreSQL driver by measurement (issue 12): node-postgres (`pg`) against postgres.js
// (`postgres`), each running the engine's own scan transaction — BEGIN, the facts statement with the card
// row locked, the deduction statement, COMMIT — 32 in flight on a pool of 10, against the local PostgreSQL,
// on a fresh database each, interleaved, several rounds. Run:
//
//   npx tsx apps/bench/src/pg-drivers.ts [--seconds 5] [--rounds 3] [--inflight 32]
//
// Prints scans/s per driver and round, and the client process's CPU per scan. Both drivers use prepared
// statements (node-postgres by naming them, postgres.js with `prepare: true`), as the engine does.
// `--inflight 1` shows one scan's latency, where postgres.js's pipelining of BEGIN would count most.
// What each driver does when the database goes away: pg-driver-faults.ts.
import { parseArgs } from 'node:util';
import pg from 'pg';
import postgres from 'postgres';
import { SCAN_STATEMENTS } from '../../server/src/storage/postgres/cards-postgres.js';
import { createPostgresStorage } from '../../server/src/storage/postgres/open.js';
import { createTestDatabase } from '../../server/src/storage/postgres/test-database.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, inflight: { type: 'string', default: '32' } } });
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const INFLIGHT = Number(values.inflight);
const POOL = 10;
const MEMBERS = 1000;

// The engine's own statements: facts ($1 member, $2 store, $3 nonce, $4 merchant, $5 key) and the
// deduction ($1 member, $2 store, $3 merchant, $4 nonce, $5 key, $6 at, $7 code), without a key.
const { facts: FACTS, deduct: DEDUCT } = SCAN_STATEMENTS;
const factsOf = (member: number, nonce: string) => [member, 1, nonce, 1, null];
const deductionOf = (member: number, nonce: string) => [member, 1, 1, nonce, null, Date.now(), 0];

type Scan = (member: number, nonce: string) => Promise<void>;

/** A database with one store, one merchant and MEMBERS cards of a million uses, migrated by the engine. */
async function prepare(): Promise<{ url: string; drop: () => Promise<void> }> {
  const db = await createTestDatabase('scanpush_bench');
  const storage = await createPostgresStorage({ url: db.url, poolSize: 4, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000 });
  const store = await storage.accounts.createStore('bench', Date.now());
  await storage.accounts.createMerchant(store.id, 'bench', 'x', Date.now());
  for (let i = 0; i < MEMBERS; i++) {
    const m = await storage.accounts.createMember({ name: null }, Date.now());
    await storage.cards.topUp(m.id, store.id, 1_000_000, Date.now());
  }
  await storage.close();
  return db;
}

function nodePostgres(url: string): { scan: Scan; end: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  pool.on('error', () => undefined);
  return {
    async scan(member, nonce) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // Named: parsed once per connection, as postgres.js's prepare does.
        await client.query({ name: 'facts', text: FACTS, values: factsOf(member, nonce) });
        await client.query({ name: 'deduct', text: DEDUCT, values: deductionOf(member, nonce) });
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    end: () => pool.end(),
  };
}

function postgresJs(url: string): { scan: Scan; end: () => Promise<void> } {
  const sql = postgres(url, { max: POOL, onnotice: () => undefined });
  return {
    async scan(member, nonce) {
      await sql.begin(async (tx) => {
        await tx.unsafe(FACTS, factsOf(member, nonce), { prepare: true });
        await tx.unsafe(DEDUCT, deductionOf(member, nonce), { prepare: true });
      });
    },
    end: () => sql.end(),
  };
}

async function measure(name: string, open: (url: string) => { scan: Scan; end: () => Promise<void> }, round: number): Promise<string> {
  const db = await prepare();
  const driver = open(db.url);
  let done = 0;
  let next = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: INFLIGHT }, async () => {
      while (performance.now() < deadline) {
        next++;
        await driver.scan((next % MEMBERS) + 1, `r${round}-${next}`);
        done++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await driver.end();
  await db.drop();
  return `${name.padEnd(14)} round ${round}: ${(done / seconds).toFixed(0).padStart(6)} scans/s, client CPU ${((used.user + used.system) / done).toFixed(0)} µs/scan`;
}

for (let round = 1; round <= ROUNDS; round++) {
  // Interleaved, alternating who goes first, so drift of the machine falls on both.
  const order = round % 2 ? ([['node-postgres', nodePostgres], ['postgres.js', postgresJs]] as const) : ([['postgres.js', postgresJs], ['node-postgres', nodePostgres]] as const);
  for (const [name, open] of order) console.log(await measure(name, open, round));
}
