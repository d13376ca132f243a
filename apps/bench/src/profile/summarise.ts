/**
 * `pnpm --filter @scanpush/bench profile:summary [--window START,END] [--map FILE] <files…>`: prints where
 * a server profile spent its time (.cpuprofile; with --window, only the samples in that interval — a
 * run's `windowUs` from the bench's JSON line; --map: the bundle's source map as it was when profiled,
 * which `pnpm bench --profile DIR` copies to DIR/main.js.map) or what a socket costs on the heap (two or
 * more .heapsnapshot files, fewest sockets first, each named `<file>:<sockets>`).
 */
import { readFileSync } from 'node:fs';
import { summariseCpuProfile, useSourceMap, type CpuProfile, type Row } from './cpu-profile.js';
import { perSocket, tallyHeap } from './heap-snapshot.js';

const args = process.argv.slice(2);
let windowUs: [number, number] | undefined;
const w = args.indexOf('--window');
if (w >= 0) {
  const [a, b] = (args[w + 1] ?? '').split(',').map(Number);
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error('--window takes START,END in µs of the monotonic clock');
  windowUs = [a as number, b as number];
  args.splice(w, 2);
}
const m = args.indexOf('--map');
if (m >= 0) {
  useSourceMap(args[m + 1] ?? '');
  args.splice(m, 2);
}
if (args.length === 0) {
  process.stderr.write('usage: summarise [--window START,END] [--map main.js.map] <file.cpuprofile> | <a.heapsnapshot:SOCKETS> <b.heapsnapshot:SOCKETS>…\n');
  process.exit(2);
}

const table = (rows: Row[]) => rows.map((r) => `${String(r.selfMs).padStart(9)} ms ${String(r.selfPct).padStart(5)}%  ${String(r.totalMs).padStart(9)} ms  ${r.name}`).join('\n');

const cpu = args.filter((a) => a.endsWith('.cpuprofile'));
for (const file of cpu) {
  const s = summariseCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, 25, windowUs);
  process.stdout.write(`\n${file}: ${s.totalMs} ms sampled\n      self          total\nby package:\n${table(s.byPackage)}\nby function:\n${table(s.byFunction)}\n`);
}

const heaps = args
  .filter((a) => !a.endsWith('.cpuprofile'))
  .map((a) => {
    const at = a.lastIndexOf(':');
    const sockets = Number(a.slice(at + 1));
    if (at < 0 || !Number.isInteger(sockets)) throw new Error(`name heap snapshots as <file>:<sockets>, got ${a}`);
    return { file: a.slice(0, at), sockets };
  });
if (heaps.length === 1) throw new Error('a heap comparison needs two snapshots');
const tallies = heaps.map((h) => ({ ...h, tally: tallyHeap(JSON.parse(readFileSync(h.file, 'utf8'))) }));
for (let i = 1; i < tallies.length; i++) {
  const a = tallies[0]!;
  const b = tallies[i]!;
  const n = b.sockets - a.sockets;
  process.stdout.write(
    `\nheap ${a.sockets} → ${b.sockets} sockets: ${(a.tally.totalBytes / 2 ** 20).toFixed(1)} → ${(b.tally.totalBytes / 2 ** 20).toFixed(1)} MiB, ` +
      `${((b.tally.totalBytes - a.tally.totalBytes) / n / 1024).toFixed(2)} KiB per socket\n` +
      perSocket(a.tally, b.tally, n)
        .map((r) => `${String(r.bytesPerSocket).padStart(7)} B ${String(r.objectsPerSocket).padStart(7)} objects  ${r.kind}`)
        .join('\n') +
      '\n',
  );
}
