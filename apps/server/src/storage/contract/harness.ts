import { afterEach, beforeEach } from 'vitest';
import type { ScanAttempt } from '../cards.js';
import type { Storage } from '../storage.js';

/** One engine's database under test, as the contract suite drives it. */
export interface StorageUnderTest {
  /** The storage on a new, empty database. */
  storage: Storage;
  /** Closes `storage` and opens the same database again, as a restart does. */
  reopen(): Promise<Storage>;
  /**
   * Backs the open database up the way operators are told to (for SQLite, `scanpush backup`); answers a
   * function that restores that one backup into a new database and opens it, anew at every call.
   */
  backup(): Promise<() => Promise<Restored>>;
  /** Closes everything it opened and removes the databases. */
  cleanup(): Promise<void>;
}

/** A database restored from a backup, opened. */
export interface Restored {
  storage: Storage;
  /** Closes `storage` and opens the restored database again. */
  reopen(): Promise<Storage>;
}

/** Opens a fresh database of the engine under test. */
export type OpenStorage = () => Promise<StorageUnderTest>;

/**
 * A fresh database per test: `current()` is the test's handle. Handles opened by `reopen` or restores are
 * closed by the engine's cleanup.
 */
export function useFreshStorage(open: OpenStorage): () => StorageUnderTest {
  let handle: StorageUnderTest | undefined;
  beforeEach(async () => {
    handle = await open();
  });
  afterEach(async () => {
    await handle?.cleanup();
    handle = undefined;
  });
  return () => {
    if (!handle) throw new Error('no storage open: call inside a test');
    return handle;
  };
}

/** 2026-01-01T00:00:00Z: a fixed time, so nothing depends on the clock of the machine. */
export const T0 = Date.UTC(2026, 0, 1);

/** A store with its merchant, a second store with its own, a member, and the member's card at the first store. */
export interface World {
  memberId: number;
  storeId: number;
  merchant: { id: number; storeId: number };
  otherStoreId: number;
  otherMerchant: { id: number; storeId: number };
}

export async function makeWorld(storage: Storage, uses: number | null = 5): Promise<World> {
  const { accounts, cards } = storage;
  const store = await accounts.createStore('Store A', T0);
  const other = await accounts.createStore('Store B', T0);
  const member = await accounts.createMember({ name: 'member' }, T0);
  const merchant = await accounts.createMerchant(store.id, 'counter A', 'hash-a', T0);
  const otherMerchant = await accounts.createMerchant(other.id, 'counter B', 'hash-b', T0);
  if (uses !== null) await cards.topUp(member.id, store.id, uses, T0);
  return {
    memberId: member.id,
    storeId: store.id,
    merchant: { id: merchant.id, storeId: store.id },
    otherStoreId: other.id,
    otherMerchant: { id: otherMerchant.id, storeId: other.id },
  };
}

let nonces = 0;

/** A fresh QR's scan of the world's member at its first store, by that store's merchant; `over` changes any of it. */
export function scanOf(world: World, over: Partial<ScanAttempt> = {}): ScanAttempt {
  nonces += 1;
  return {
    memberId: world.memberId,
    storeId: world.storeId,
    nonce: `nonce-${nonces.toString(16).padStart(8, '0')}`,
    expired: false,
    merchantId: world.merchant.id,
    merchantStoreId: world.merchant.storeId,
    idempotencyKey: null,
    at: T0 + 1000,
    ...over,
  };
}
