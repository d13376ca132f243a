// Chooses the PostgreSQL driver by measurement (issue 12): node-postgres (`pg`) against postgres.js
// (`postgres`), each running the engine's own scan transaction — BEGIN, the facts statement with the card
// row locked, the deduction statement, COMMIT — 32 in flight on a pool of 10, against the local PostgreSQL,
// on a fresh database each, interleaved, several rounds. Run:
//
//   npx tsx apps/bench/src/pg-drivers.ts [--seconds 5] [--rounds 3] [--inflight 32]
//
// Prints scans/s per driver and round, and the client process's CPU per scan. Both drivers use prepared
// statements (node-postgres by naming them, postgres.js with `prepare: true`), as the engine does.
import { parseArgs } from 'node:util';
import pg from 'pg';
import postgres from 'postgres';
import { createPostgresStorage } from '../../server/src/storage/postgres/open.js';
import { createTestDatabase } from '../../server/src/storage/postgres/test-database.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, inflight: { type: 'string', default: '32' } } });
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const INFLIGHT = Number(values.inflight);
const POOL = 10;
const MEMBERS = 1000;

const FACTS = `
  WITH card AS (SELECT remaining FROM cards WHERE member_id = $1 AND store_id = $2 FOR UPDATE)
  SELECT (SELECT remaining FROM card) AS remaining, EXISTS (SELECT 1 FROM ledger WHERE qr_nonce = $3) AS "nonceUsed"`;
const DEDUCT = `
  WITH taken AS (UPDATE cards SET remaining = remaining - 1, updated_at = $5 WHERE member_id = $1 AND store_id = $2 AND remaining > 0 RETURNING remaining),
  deduction AS (INSERT INTO ledger (member_id, store_id, kind, delta, balance_after, merchant_id, qr_nonce, created_at)
                SELECT $1, $2, 'deduct', -1, remaining, $3, $4, $5 FROM taken RETURNING id, balance_after),
  head AS (INSERT INTO streams (member_id, store_id, last_seq) VALUES ($1, $2, 1)
           ON CONFLICT (member_id, store_id) DO UPDATE SET last_seq = streams.last_seq + 1 RETURNING last_seq)
  INSERT INTO outbox (member_id, store_id, seq, code, remaining, ledger_id, created_at)
  SELECT $1, $2, head.last_seq, 0, deduction.balance_after, deduction.id, $5 FROM head, deduction RETURNING seq`;

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
        await client.query({ name: 'facts', text: FACTS, values: [member, 1, nonce] });
        await client.query({ name: 'deduct', text: DEDUCT, values: [member, 1, 1, nonce, Date.now()] });
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
        await tx.unsafe(FACTS, [member, 1, nonce], { prepare: true });
        await tx.unsafe(DEDUCT, [member, 1, 1, nonce, Date.now()], { prepare: true });
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
