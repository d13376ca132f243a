import { randomBytes } from 'node:crypto';
import { formatMerchantKey, hashSecret, newSecret } from '../../server/src/core/credentials.js';
import { QrSigner } from '../../server/src/core/qr-signer.js';
import { createSqliteRepository } from '../../server/src/db/repository-sqlite.js';
import { cards, members, sessions } from '../../server/src/db/schema.js';
import { openSqlite } from '../../server/src/db/sqlite.js';

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
/** Rows per INSERT: well under SQLite's 32,766 bound variables. */
const BATCH = 1000;

/** A fresh secret of the length the server requires in production. */
export const newQrSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Writes a fresh database with `memberCount` members spread over `storeCount` stores (member i at store
 * i mod storeCount), each with one card and one session, and one merchant key per store. Uses the
 * server's own migrations, schema, credential hashing and repository, so the server reads it as its own.
 * Bulk rows go in one transaction: 20,000 members take well under a second.
 */
export async function provision(dbPath: string, memberCount: number, storeCount: number): Promise<Fixture> {
  const db = openSqlite(dbPath);
  const repo = createSqliteRepository(db);
  const at = Date.now();
  const merchantKeys = new Map<number, string>();
  const storeIds: number[] = [];
  for (let i = 1; i <= storeCount; i++) {
    const store = await repo.createStore(`Bench car wash ${i}`, at);
    const secret = newSecret();
    const merchant = await repo.createMerchant(store.id, `Bench counter ${i}`, hashSecret(secret), at);
    merchantKeys.set(store.id, formatMerchantKey(merchant.id, secret));
    storeIds.push(store.id);
  }

  const out: BenchMember[] = [];
  for (let i = 0; i < memberCount; i++) {
    out.push({ memberId: i + 1, storeId: storeIds[i % storeCount] as number, token: newSecret() });
  }
  const expiresAt = at + 7 * 24 * 3600_000;
  db.transaction((tx) => {
    for (let i = 0; i < out.length; i += BATCH) {
      const chunk = out.slice(i, i + BATCH);
      tx.insert(members).values(chunk.map((m) => ({ id: m.memberId, name: `bench ${m.memberId}`, createdAt: at }))).run();
      tx.insert(cards).values(chunk.map((m) => ({ memberId: m.memberId, storeId: m.storeId, remaining: INITIAL_USES, updatedAt: at }))).run();
      tx.insert(sessions)
        .values(chunk.map((m) => ({ memberId: m.memberId, tokenHash: hashSecret(m.token), createdAt: at, expiresAt })))
        .run();
    }
  });
  await repo.close();
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
