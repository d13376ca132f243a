import type { CardView, LedgerEntry } from '@scanpush/shared';

/**
 * Everything the server stores, behind one interface so a second engine (PostgreSQL for multi-node)
 * can be added without touching routes or rules. Methods are async for that engine's sake; the SQLite
 * one answers synchronously inside.
 */
export interface Repository {
  /** `id` is for fixtures (the demo's store 2); normally the database picks it. */
  createStore(name: string, at: number, id?: number): Promise<{ id: number; name: string }>;
  getStore(id: number): Promise<{ id: number; name: string } | undefined>;
  createMember(input: { name?: string | null; openid?: string | null; id?: number }, at: number): Promise<{ id: number; name: string | null }>;
  getMember(id: number): Promise<{ id: number; name: string | null } | undefined>;
  findMemberByOpenid(openid: string): Promise<{ id: number } | undefined>;

  /** Creates the card with `uses`, or adds `uses` to it; writes a top-up ledger row. Atomic. */
  topUp(memberId: number, storeId: number, uses: number, at: number): Promise<CardView>;
  getCard(memberId: number, storeId: number): Promise<CardView | undefined>;
  listCards(memberId: number): Promise<CardView[]>;
  /** The card's ledger, newest first. */
  history(memberId: number, storeId: number, limit: number): Promise<LedgerEntry[]>;

  createSession(memberId: number, tokenHash: string, at: number, expiresAt: number): Promise<void>;
  /** The live session for a token hash: not expired at `now`, not revoked. */
  findSession(tokenHash: string, now: number): Promise<{ id: number; memberId: number } | undefined>;
  revokeSession(tokenHash: string, at: number): Promise<boolean>;
  /** Revokes every live session of the member; answers how many. */
  revokeMemberSessions(memberId: number, at: number): Promise<number>;

  createMerchant(storeId: number, name: string, keyHash: string, at: number): Promise<{ id: number }>;
  getMerchant(id: number): Promise<{ id: number; storeId: number; keyHash: string; revoked: boolean } | undefined>;
  /** Revokes a merchant key for good (staff gone, device lost); false when there is no such merchant. */
  revokeMerchant(id: number, at: number): Promise<boolean>;

  /**
   * The deduction, in ONE transaction: refuses a used nonce, takes one use if any is left, writes the
   * ledger row and the member's outbox row (next seq). With an idempotency key that this merchant used
   * before, nothing is written and the first outcome is returned (or a mismatch if the nonce differs).
   */
  commitDeduction(input: DeductionInput): Promise<DeductionOutcome>;
  /** Records a refused scan in the member's outbox (next seq), so the member is told about it too. */
  appendNotice(input: { memberId: number; storeId: number; code: number; remaining: number | null; at: number }): Promise<OutboxRow>;
  /** Outbox rows of a member after `afterSeq`, oldest first; with `storeId`, that store's only. */
  outboxAfter(memberId: number, afterSeq: number, limit: number, storeId?: number): Promise<OutboxRow[]>;
  /** The newest `limit` rows for the store that no socket received, created at or after `since`; oldest first. */
  undelivered(memberId: number, storeId: number, since: number, limit: number): Promise<OutboxRow[]>;
  /** Marks rows as received by some socket. Idempotent. */
  markDelivered(rows: ReadonlyArray<{ memberId: number; seq: number }>, at: number): Promise<void>;
  /** Rows no socket has received, created at or after `since`; for monitoring. */
  countUndelivered(since: number): Promise<number>;
  /** The member's highest seq (0 before the first result). */
  lastSeq(memberId: number): Promise<number>;
  /** The member's lowest seq still in the outbox; undefined when none is. */
  firstSeq(memberId: number): Promise<number | undefined>;
  /** Deletes outbox rows created before `before` (retention); answers how many. */
  pruneOutbox(before: number): Promise<number>;

  /** Whether the database answers; for health checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DeductionInput {
  memberId: number;
  storeId: number;
  merchantId: number;
  nonce: string;
  idempotencyKey: string | null;
  at: number;
}

export interface OutboxRow {
  memberId: number;
  seq: number;
  storeId: number;
  code: number;
  remaining: number | null;
  ledgerId: number | null;
  createdAt: number;
}

export type DeductionOutcome =
  | { kind: 'deducted'; row: OutboxRow }
  | { kind: 'replayed'; row: OutboxRow }
  | { kind: 'idempotency-mismatch' }
  | { kind: 'nonce-used' }
  | { kind: 'no-uses-left' }
  | { kind: 'no-card' };
