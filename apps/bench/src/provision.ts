import { randomBytes } from 'node:crypto';
import { formatMerchantKey } from '@scanpush/shared';
import { hashSecret, newSecret } from '../../server/src/core/credentials.js';
import { QrSigner } from '../../server/src/core/qr-signer.js';
import { createPostgresStorage } from '../../server/src/storage/postgres/open.js';
import { createSqliteStorage } from '../../server/src/storage/sqlite/open.js';
import type { Storage } from '../../server/src/storage/storage.js';

/** A member with a card at one store and a live session, as the bench's clients use it. */
export interface BenchMember {
  memberId: number;
  storeId: number;
  /** The session token (bearer), as a logged-in mini-program holds it. */
  token: string;
}

export interface Fixture {
  members: BenchMember[];
  /** Merchant key per store id. */
  merchantKeys: Map<number, string>;
  /** Uses each card starts with: enough that no scan of the bench runs out. */
  initialUses: number;
}

const INITIAL_USES = 1_000_000;
/** Members written per group commit: the writes of one event-loop turn share one transaction. */
const BATCH = 1000;

/** A fresh secret of the length the server requires in production. */
export const newQrSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Writes a fresh database with `memberCount` members spread over `storeCount` stores (member i at store
 * i mod storeCount), each with one card and one session, and one merchant key per store. Uses the
 * server's own storage engine (migrations, stores, credential hashing), so the server reads it as its own.
 * The writes of a batch are issued in one turn, so the engine's group commit makes them one transaction.
 */
export async function provision(dbPath: string, memberCount: number, storeCount: number): Promise<Fixture> {
  const storage = createSqliteStorage(dbPath);
  const fixture = await provisionInto(storage, memberCount, storeCount, BATCH);
  await storage.close();
  return fixture;
}

/** Connections the PostgreSQL provisioning writes over: its transactions overlap, so their fsyncs are shared. */
const PG_POOL = 16;
/** Members in flight at once on PostgreSQL: enough to keep the pool busy, few enough to stay in its queue's time limit. */
const PG_BATCH = 200;

/**
 * The same fixture written into an empty PostgreSQL database (`url`) through the PostgreSQL engine,
 * which migrates it first: what several nodes started on that database then share.
 */
export async function provisionPostgres(url: string, memberCount: number, storeCount: number, onProgress?: (written: number) => void): Promise<Fixture> {
  // The fixture's commits need not wait for their WAL flush (the nodes start after the last one, on the
  // same server): three times faster for a fixture of 100,000 members. The nodes commit as configured.
  const fast = new URL(url);
  fast.searchParams.set('options', '-c synchronous_commit=off');
  const storage = await createPostgresStorage({ url: fast.toString(), poolSize: PG_POOL, statementTimeoutMs: 60_000, connectTimeoutMs: 30_000 });
  try {
    return await provisionInto(storage, memberCount, storeCount, PG_BATCH, onProgress);
  } finally {
    await storage.close();
  }
}

async function provisionInto(storage: Storage, memberCount: number, storeCount: number, batch: number, onProgress?: (written: number) => void): Promise<Fixture> {
  const { accounts, cards } = storage;
  const at = Date.now();
  const merchantKeys = new Map<number, string>();
  const storeIds: number[] = [];
  for (let i = 1; i <= storeCount; i++) {
    const store = await accounts.createStore(`Bench car wash ${i}`, at);
    const secret = newSecret();
    const merchant = await accounts.createMerchant(store.id, `Bench counter ${i}`, hashSecret(secret), at);
    merchantKeys.set(store.id, formatMerchantKey(merchant.id, secret));
    storeIds.push(store.id);
  }

  const out: BenchMember[] = [];
  for (let i = 0; i < memberCount; i++) {
    out.push({ memberId: i + 1, storeId: storeIds[i % storeCount] as number, token: newSecret() });
  }
  const expiresAt = at + 7 * 24 * 3600_000;
  for (let i = 0; i < out.length; i += batch) {
    const chunk = out.slice(i, i + batch);
    await Promise.all(
      chunk.map(async (m) => {
        await accounts.createMember({ id: m.memberId, name: `bench ${m.memberId}` }, at);
        await Promise.all([
          cards.topUp(m.memberId, m.storeId, INITIAL_USES, at),
          accounts.createSession(m.memberId, hashSecret(m.token), at, expiresAt),
        ]);
      }),
    );
    onProgress?.(i + chunk.length);
  }
  return { members: out, merchantKeys, initialUses: INITIAL_USES };
}

/** One scan to make: the signed QR a member shows and the key of the merchant who scans it. */
export interface PlannedScan {
  memberId: number;
  qr: string;
  merchantKey: string;
}

/**
 * Mints `count` real signed QR tokens, before any timing starts, with the server's own signer and
 * secret: scan i is for member i mod members.length, so consecutive scans hit different members.
 * Tokens live an hour, long enough for any run.
 */
export function planScans(fixture: Fixture, members: readonly BenchMember[], count: number, qrSecret: string): PlannedScan[] {
  const signer = new QrSigner(qrSecret);
  const now = Date.now();
  const plan: PlannedScan[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const m = members[i % members.length] as BenchMember;
    const key = fixture.merchantKeys.get(m.storeId);
    if (!key) throw new Error(`no merchant for store ${m.storeId}`);
    plan[i] = { memberId: m.memberId, qr: signer.issue(m.memberId, m.storeId, now, 3600).token, merchantKey: key };
  }
  return plan;
}
