/** What the registry files a connection under: whose it is and at which store. */
export interface Keyed {
  readonly memberId: number;
  readonly storeId: number;
}

/**
 * Who is connected: every open socket by member, and within a member by store (the seed kept one per
 * key; a member may have several devices). No socket I/O here: callers close what `add` evicts.
 *
 * A member nearly always has one socket, so a member maps to that connection itself, and to an array
 * only while it has several (oldest first). A Set per (member, store) and another per member, as this
 * was before, cost about 400 bytes a socket in V8: at 19,000 sockets, 7 MiB to index them.
 */
export class ConnectionRegistry<C extends Keyed> {
  private readonly byMember = new Map<number, C | C[]>();
  private count = 0;

  /** @param maxPerKey sockets kept per member and store; the oldest beyond it is evicted. */
  constructor(private readonly maxPerKey = 5) {}

  /** Registers a socket; returns the sockets evicted to stay within the cap, oldest first. */
  add(conn: C): C[] {
    const held = this.byMember.get(conn.memberId);
    if (held === undefined) {
      this.byMember.set(conn.memberId, conn);
      this.count++;
      return [];
    }
    const list = Array.isArray(held) ? held : [held];
    if (list.includes(conn)) return [];
    list.push(conn);
    this.count++;
    if (list !== held) this.byMember.set(conn.memberId, list);
    let over = list.filter((c) => c.storeId === conn.storeId).length - this.maxPerKey;
    if (over <= 0) return [];
    const evicted = list.filter((c) => c.storeId === conn.storeId && over-- > 0);
    for (const old of evicted) this.remove(old);
    return evicted;
  }

  /** Unregisters a socket; false when it was not registered (already evicted, say). */
  remove(conn: C): boolean {
    const held = this.byMember.get(conn.memberId);
    if (held === conn) {
      this.byMember.delete(conn.memberId);
    } else {
      const i = Array.isArray(held) ? held.indexOf(conn) : -1;
      if (i < 0) return false;
      const list = held as C[];
      list.splice(i, 1);
      if (list.length === 1) this.byMember.set(conn.memberId, list[0]!);
    }
    this.count--;
    return true;
  }

  /** The member's sockets for the store, oldest first. */
  get(memberId: number, storeId: number): readonly C[] {
    const held = this.byMember.get(memberId);
    if (held === undefined) return NONE;
    if (!Array.isArray(held)) return held.storeId === storeId ? [held] : NONE;
    return held.filter((c) => c.storeId === storeId);
  }

  /** Every socket of the member, at any store, oldest first. */
  ofMember(memberId: number): readonly C[] {
    const held = this.byMember.get(memberId);
    if (held === undefined) return NONE;
    return Array.isArray(held) ? [...held] : [held];
  }

  *all(): Iterable<C> {
    for (const held of this.byMember.values()) {
      if (Array.isArray(held)) yield* held;
      else yield held;
    }
  }

  /** Open sockets: the seed's "当前在线用户数量". */
  get size(): number {
    return this.count;
  }

  /** Distinct members with at least one socket. */
  get members(): number {
    return this.byMember.size;
  }
}

const NONE: readonly never[] = [];
