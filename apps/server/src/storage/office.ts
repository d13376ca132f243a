/**
 * Who runs the shops: shops, their owners (who sign in to the back office), the owners' sessions, and
 * the audit log of who did what. The platform operator (ADMIN_TOKEN) creates shops and owners; a store
 * belongs to at most one shop (`stores.shop_id`, null for a store only the operator manages). Only
 * hashes of session tokens and passwords are kept. Each call is atomic on its own.
 */
export interface OfficeStore {
  createShop(name: string, at: number): Promise<Shop>;
  getShop(id: number): Promise<Shop | undefined>;
  /** Every shop, oldest first, with how many stores and owners each has. */
  listShops(): Promise<(Shop & { stores: number; owners: number })[]>;

  /** Creates a store already in the shop, in one statement (never a store in no shop by accident). */
  createShopStore(shopId: number, name: string, at: number): Promise<{ id: number; name: string }>;
  /** Puts a store into a shop (or out of any, with null); false when there is no such store. */
  setStoreShop(storeId: number, shopId: number | null): Promise<boolean>;
  /** The shop a store belongs to; null when none; undefined when there is no such store. */
  storeShop(storeId: number): Promise<number | null | undefined>;
  /** The shop's stores, oldest first. */
  listShopStores(shopId: number): Promise<{ id: number; name: string; createdAt: number }[]>;

  /**
   * Creates an owner of a shop. `login` is unique across the platform, compared as given (the edge
   * lower-cases it): a second owner with the same login answers `{ ok: false, reason: 'login-taken' }`
   * and writes nothing, on every engine and under a race.
   */
  createOwner(
    input: { shopId: number; login: string; name: string; passwordHash: string },
    at: number,
  ): Promise<{ ok: true; owner: Owner } | { ok: false; reason: 'login-taken' }>;
  getOwner(id: number): Promise<Owner | undefined>;
  /** The owner signing in with `login`, with the password hash to check; disabled owners too (the edge refuses them). */
  findOwnerByLogin(login: string): Promise<(Owner & { passwordHash: string }) | undefined>;
  listOwners(shopId: number): Promise<Owner[]>;
  /** Replaces the password hash; false when there is no such owner. Sessions are not touched (the edge revokes them). */
  setOwnerPassword(ownerId: number, passwordHash: string): Promise<boolean>;
  /** Disables (true) or enables (false) an owner's sign-in; false when there is no such owner. */
  setOwnerDisabled(ownerId: number, disabled: boolean, at: number): Promise<boolean>;

  createOwnerSession(
    input: { ownerId: number; tokenHash: string; userAgent: string | null; client: string | null; expiresAt: number },
    at: number,
  ): Promise<{ id: number }>;
  /**
   * The live session for a token hash (not revoked, expires after `now`) with its owner, and the
   * owner's shop; undefined otherwise, and for a disabled owner. Marks it seen at `now` (last_seen_at),
   * at most once a minute so a busy page does not write on every request.
   */
  findOwnerSession(tokenHash: string, now: number): Promise<{ session: OwnerSession; owner: Owner } | undefined>;
  /** The owner's sessions that are live at `now`, newest first. */
  listOwnerSessions(ownerId: number, now: number): Promise<OwnerSession[]>;
  /** Revokes one of the owner's sessions; false when it is not the owner's or not live. */
  revokeOwnerSession(ownerId: number, sessionId: number, at: number): Promise<boolean>;
  /** Revokes every live session of the owner, but `except` (the one asking); answers how many. */
  revokeOwnerSessions(ownerId: number, at: number, except?: number): Promise<number>;

  /** Appends to the audit log (only ever inserted). */
  recordAudit(entry: NewAuditEntry): Promise<void>;
  /**
   * The audit log of one store (entries with that store_id), or of one shop (entries with that shop_id,
   * whatever their store) — exactly one of the two — newest first, at most `limit`, and with `before`
   * only those with a smaller id.
   */
  listAudit(scope: { storeId: number } | { shopId: number }, limit: number, before?: number): Promise<AuditEntry[]>;

  /**
   * The cards held at a store with their member's name, most recently changed first (updated_at, then
   * member id), at most `limit`; with `memberId` only that member's card (zero or one row).
   */
  listStoreCards(storeId: number, limit: number, memberId?: number): Promise<StoreCard[]>;
}

export interface Shop {
  id: number;
  name: string;
  createdAt: number;
}

export interface Owner {
  id: number;
  shopId: number;
  login: string;
  name: string;
  createdAt: number;
  disabledAt: number | null;
}

export interface OwnerSession {
  id: number;
  ownerId: number;
  userAgent: string | null;
  /** The client address it signed in from. */
  client: string | null;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

/** Who did it: the platform operator, an owner (by session), or staff (by their credential). */
export type AuditActor = { kind: 'operator' } | { kind: 'owner'; ownerId: number; sessionId: number } | { kind: 'staff'; merchantId: number };

export interface NewAuditEntry {
  at: number;
  actor: AuditActor;
  /** The actor's name when it acted (the owner's name, the staff credential's name), kept as it was then. */
  actorName: string | null;
  /** The shop and the store it concerns; null where it concerns none (an operator creating a shop). */
  shopId: number | null;
  storeId: number | null;
  /** What was done, a dotted name: 'product.create', 'invite.create', 'staff.revoke', 'owner.login', … */
  action: string;
  /** What it was done to, e.g. 'product:3', 'merchant:12', 'ledger:4521'; null where nothing in particular. */
  subject: string | null;
  /** The device: the staff credential's name, or the owner's browser (user agent), and the client address. */
  device: string | null;
  client: string | null;
  /** Small JSON-able details (a product's name and price, a reversal's reason); null when none. */
  detail: Record<string, unknown> | null;
}

export interface AuditEntry extends NewAuditEntry {
  id: number;
}

export interface StoreCard {
  memberId: number;
  memberName: string | null;
  remaining: number;
  expiresAt: number | null;
  updatedAt: number;
}
