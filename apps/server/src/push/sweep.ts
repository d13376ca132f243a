/**
 * Visits every member of a set once per period, a slice per tick, so that pinging 19,000 sockets never
 * blocks the event loop in one go (one synchronous loop over them took 360–450 ms here, and every push
 * queued behind it waited).
 *
 * Each member gets a slot on a wheel when it is added and is visited when the wheel passes that slot:
 * exactly once per period, at the same phase, however the set changes meanwhile. A heartbeat relies on
 * that: a socket always has a full period to answer its ping before the next visit judges it.
 */
export class Sweep<T> {
  private readonly slots: Set<T>[];
  private readonly slotOf = new Map<T, Set<T>>();
  private readonly tickMs: number;
  /** Runs only while the set holds members: an idle server is not woken ten times a second for nothing. */
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private cursor = 0;
  private nextSlot = 0;

  /**
   * @param periodMs how often each member is visited
   * @param visit called once per member per period
   * @param tickMs about how often a slice is visited; the wheel has `periodMs / tickMs` slots
   */
  constructor(periodMs: number, private readonly visit: (member: T) => void, tickMs = 100) {
    const n = Math.max(1, Math.round(periodMs / tickMs));
    this.slots = Array.from({ length: n }, () => new Set<T>());
    this.tickMs = periodMs / n;
  }

  get size(): number {
    return this.slotOf.size;
  }

  /**
   * Adds a member, spreading members round-robin over the slots. Its first visit comes within one
   * period, as with a plain interval; from then on, one period apart.
   */
  add(member: T): void {
    if (this.slotOf.has(member)) return;
    const slot = this.slots[this.nextSlot]!;
    this.nextSlot = (this.nextSlot + 1) % this.slots.length;
    slot.add(member);
    this.slotOf.set(member, slot);
    if (!this.timer && !this.stopped) {
      // The wheel turns on from where it stopped: every member is still visited once per period.
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
  }

  delete(member: T): void {
    this.slotOf.get(member)?.delete(member);
    this.slotOf.delete(member);
    if (this.slotOf.size === 0) this.pause();
  }

  /** Whether the wheel is turning (it turns only while it has members). */
  get turning(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    this.stopped = true;
    this.pause();
  }

  private pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Visits the members of the current slot; a visit may delete members, this one included. */
  tick(): void {
    const slot = this.slots[this.cursor]!;
    this.cursor = (this.cursor + 1) % this.slots.length;
    for (const member of slot) this.visit(member);
  }
}
