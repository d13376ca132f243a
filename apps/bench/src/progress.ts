/**
 * One progress line on stderr: redrawn in place on a terminal, a plain line every few seconds otherwise
 * (CI logs, the bench test), so a long workload always shows it is alive.
 */
export class Progress {
  private lastPlain = 0;
  private drawn = false;

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(text: string): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${text.slice(0, (this.out.columns ?? 120) - 1)}`);
      this.drawn = true;
    } else if (Date.now() - this.lastPlain >= 3000) {
      this.lastPlain = Date.now();
      this.out.write(`${text}\n`);
    }
  }

  /** A line that stays. */
  log(text: string): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
    this.out.write(`${text}\n`);
  }

  /** Calls `text()` every `ms` until the returned function is called. */
  every(ms: number, text: () => string): () => void {
    this.update(text());
    const timer = setInterval(() => this.update(text()), ms);
    return () => clearInterval(timer);
  }
}

/** A text bar: `[######----] 60%`. */
export function bar(done: number, total: number, width = 20): string {
  const f = total > 0 ? Math.min(1, done / total) : 1;
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'-'.repeat(width - n)}] ${String(Math.round(f * 100)).padStart(3)}%`;
}
