/**
 * A client's half of "exactly once on screen" in the structured dialect: the highest seq it has shown.
 * Delivery is at-least-once (a resume may replay what a live push already brought), so a result is
 * shown only when its seq is above the cursor; the cursor is what the client resumes after and acks.
 *
 * On `synced` the cursor takes the server's `lastSeq`, down as well as up: a server whose database was
 * restored from a backup issues the seqs above its head again, and a cursor left above them would drop
 * those new results as already shown.
 */
export class SeqCursor {
  constructor(private seq = 0) {}

  /** The highest seq shown (or the server's head after `synced`); 0 before any. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Whether a result with this seq is not shown yet. */
  isNew(seq: number): boolean {
    return seq > this.seq;
  }

  /** Records a result as shown. */
  shown(seq: number): void {
    if (seq > this.seq) this.seq = seq;
  }

  /** Applies the server's `synced.lastSeq`; answers true when the server went back (a restored database). */
  synced(lastSeq: number): boolean {
    const wentBack = lastSeq < this.seq;
    this.seq = lastSeq;
    return wentBack;
  }
}
