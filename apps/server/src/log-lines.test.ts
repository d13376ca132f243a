import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { BATCH_CHARS, BatchedLines, FLUSH_MS } from './log-lines.js';

/** What reached the sink, one entry per write: the batches. */
function sink() {
  const writes: string[] = [];
  return { writes, write: (text: string) => writes.push(text), flushSync: () => {}, lines: () => writes.join('').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

describe('log lines in batches', () => {
  it('writes a line after a quiet spell at once, and gathers the lines that follow it closely', async () => {
    const out = sink();
    let now = 1_000;
    const logger = pino({ base: null }, new BatchedLines(out, () => now));
    logger.info('first');
    expect(out.lines()).toEqual(['first']);
    for (let i = 0; i < 5; i++) logger.info(`close ${i}`);
    expect(out.writes).toHaveLength(1);
    // The timer writes them, in one write, in order.
    await vi.waitFor(() => expect(out.writes).toHaveLength(2), { timeout: 5_000, interval: FLUSH_MS / 4 });
    expect(out.lines()).toEqual(['first', 'close 0', 'close 1', 'close 2', 'close 3', 'close 4']);
    // Long after that write, the next line is immediate again.
    now += FLUSH_MS;
    logger.info('later');
    expect(out.writes).toHaveLength(3);
  });

  it('writes a warning at once, after the lines gathered before it', () => {
    const out = sink();
    const logger = pino({ base: null }, new BatchedLines(out, () => 0));
    logger.info('a');
    logger.info('b');
    logger.info('c');
    expect(out.lines()).toEqual(['a']);
    logger.warn('w');
    expect(out.lines()).toEqual(['a', 'b', 'c', 'w']);
    expect(out.writes).toEqual([expect.stringContaining('"a"'), expect.stringMatching(/"b".*\n.*"c".*\n.*"w"/)]);
  });

  it('writes once the batch is full, without waiting for the timer', () => {
    const out = sink();
    const logger = pino({ base: null }, new BatchedLines(out, () => 0));
    const filler = 'x'.repeat(200);
    logger.info('first');
    let n = 0;
    while (out.writes.length < 2) logger.info(`${filler} ${n++}`);
    expect(out.writes[1]!.length).toBeGreaterThanOrEqual(BATCH_CHARS);
    expect(n).toBeGreaterThan(BATCH_CHARS / 300);
  });

  it('writes what waits when the process exits', () => {
    // A real process: the gathered lines must reach stdout through process.exit, which skips timers.
    const script = `
      import { pino } from 'pino';
      import { BatchedLines } from ${JSON.stringify(fileURLToPath(new URL('./log-lines.ts', import.meta.url)))};
      const logger = pino({ base: null }, new BatchedLines(pino.destination({ dest: 1, sync: false })));
      for (let i = 0; i < 50; i++) logger.info('line ' + i);
      process.exit(3);
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(3);
    const msgs = run.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
  }, 70_000);
});
