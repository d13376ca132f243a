/**
 * Who is connected: every open socket by member and store (the seed kept one per key; a member may
 * have several devices), with a reverse index by member. No socket I/O here: callers close what
 * `add` evicts.
 */
export class ConnectionRegistry<C> {
  private readonly byKey = new Map<string, Set<C>>();
  private readonly storesByMember = new Map<number, Set<number>>();
  private count = 0;

  /** @param maxPerKey sockets kept per member and store; the oldest beyond it is evicted. */
  constructor(private readonly maxPerKey = 5) {}

  /** Registers a socket; returns the sockets evicted to stay within the cap, oldest first. */
  add(memberId: number, storeId: number, conn: C): C[] {
    const key = keyOf(memberId, storeId);
    let set = this.byKey.get(key);
    if (!set) {
      set = new Set();
      this.byKey.set(key, set);
      let stores = this.storesByMember.get(memberId);
      if (!stores) this.storesByMember.set(memberId, (stores = new Set()));
      stores.add(storeId);
    }
    if (set.has(conn)) return [];
    set.add(conn);
    this.count++;
    const evicted: C[] = [];
    // A Set iterates in insertion order: the first entries are the oldest sockets.
    for (const old of set) {
      if (set.size <= this.maxPerKey) break;
      evicted.push(old);
      this.remove(memberId, storeId, old);
    }
    return evicted;
  }

  /** Unregisters a socket; false when it was not registered (already evicted, say). */
  remove(memberId: number, storeId: number, conn: C): boolean {
    const key = keyOf(memberId, storeId);
    const set = this.byKey.get(key);
    if (!set?.delete(conn)) return false;
    this.count--;
    if (set.size === 0) {
      this.byKey.delete(key);
      const stores = this.storesByMember.get(memberId);
      stores?.delete(storeId);
      if (stores?.size === 0) this.storesByMember.delete(memberId);
    }
    return true;
  }

  /** The member's sockets for the store, oldest first. */
  get(memberId: number, storeId: number): ReadonlySet<C> {
    return this.byKey.get(keyOf(memberId, storeId)) ?? EMPTY;
  }

  /** Every socket of the member, at any store. */
  *ofMember(memberId: number): Iterable<C> {
    for (const storeId of this.storesByMember.get(memberId) ?? []) yield* this.get(memberId, storeId);
  }

  *all(): Iterable<C> {
    for (const set of this.byKey.values()) yield* set;
  }

  /** Open sockets: the seed's "当前在线用户数量". */
  get size(): number {
    return this.count;
  }

  /** Distinct members with at least one socket. */
  get members(): number {
    return this.storesByMember.size;
  }
}

const EMPTY: ReadonlySet<never> = new Set();

function keyOf(memberId: number, storeId: number): string {
  return `${memberId}:${storeId}`;
}
