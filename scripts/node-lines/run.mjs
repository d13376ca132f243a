// The whole vitest suite on each supported Node line: the machine's own first, then the LTS lines operators
// deploy, fetched from the npm registry at pinned versions (`pnpm test` runs this after build and typecheck).
//
//   node scripts/node-lines/run.mjs [--lines here,24,26] [vitest arguments…]
//
// Each line runs vitest under its own node with its bin directory first on PATH, so what the tests spawn
// (process.execPath, or `node` by name: ./scanpush, tsx) runs on the same line. Prints a header per line and
// a summary of all, ending with the plain `tests: N passed, N failed, N skipped` line CI reads; exits 1 if
// any line failed. While a registry line runs, its builds of the native addons are at build/Release
// (native-addons.mjs): the machine's node cannot load them in this checkout until the line is done.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchNode } from './fetch-node.mjs';
import { findNativeAddons, guardMachineAddons, useLineAddons } from './native-addons.mjs';

/** The registry lines, pinned so every run tests the same Node. Bump with `npm view node versions`. */
const REGISTRY_LINES = ['24.21.0', '26.10.0'];

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'node-lines');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

function parseArgs(argv) {
  let wanted;
  const vitestArgs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lines') wanted = argv[++i]?.split(',');
    else if (argv[i].startsWith('--lines=')) wanted = argv[i].slice('--lines='.length).split(',');
    else vitestArgs.push(argv[i]);
  }
  return { wanted, vitestArgs };
}

const major = (version) => version.replace(/^v/, '').split('.')[0];

/** The lines to run, the machine's first; a registry line of the machine's own major is the machine's. */
function chooseLines(wanted) {
  const here = { label: `node ${process.versions.node} (this machine)`, version: process.versions.node };
  const lines = [here, ...REGISTRY_LINES.filter((v) => major(v) !== major(here.version)).map((v) => ({ label: `node ${v} (npm registry)`, version: v, registry: true }))];
  if (!wanted) return lines;
  const picked = lines.filter((l) => wanted.some((w) => (w === 'here' ? !l.registry : l.registry && major(l.version) === w)));
  const unknown = wanted.filter((w) => w !== 'here' && !lines.some((l) => l.registry && major(l.version) === w));
  if (unknown.length > 0) throw new Error(`--lines: no registry line ${unknown.join(', ')} (known: here, ${REGISTRY_LINES.map(major).join(', ')})`);
  return picked;
}

const addons = findNativeAddons(ROOT);
const restoreMachineAddons = guardMachineAddons(CACHE, addons);
let swapped = false;
let running;
/** Puts the machine's addons back if a line's are in place: after each line, at exit, on a signal. */
function putBack() {
  if (!swapped) return;
  restoreMachineAddons();
  swapped = false;
}
process.on('exit', putBack);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(signal, () => {
    running?.kill(signal);
    putBack();
    process.exit(code);
  });
}

/** Fetches the line's node and puts its addons in place; the node and environment its processes run in. */
function prepare(line) {
  if (!line.registry) return { nodeBin: process.execPath, env: process.env };
  const dir = fetchNode(CACHE, line.version);
  swapped = true;
  useLineAddons(CACHE, addons, dir, line.label);
  return { nodeBin: join(dir, 'bin', 'node'), env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` } };
}

/** Runs vitest under the line's node, echoing its output and reading the summary reporter's closing line. */
function runVitest(nodeBin, env, vitestArgs) {
  return new Promise((resolve) => {
    const child = spawn(nodeBin, [VITEST, 'run', ...vitestArgs], { cwd: ROOT, env: { ...env, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) }, stdio: ['inherit', 'pipe', 'inherit'] });
    running = child;
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-4096);
    });
    child.on('close', (code, signal) => {
      running = undefined;
      const counts = [...tail.matchAll(/^tests: (\d+) passed, (\d+) failed, (\d+) skipped$/gm)].at(-1);
      resolve({ code: code ?? 1, signal, counts: counts ? counts.slice(1, 4).map(Number) : undefined });
    });
  });
}

const { wanted, vitestArgs } = parseArgs(process.argv.slice(2));
const lines = chooseLines(wanted);
const results = [];
for (const line of lines) {
  console.log(`\n${'='.repeat(100)}\n== ${line.label}: vitest run ${vitestArgs.join(' ')}\n${'='.repeat(100)}`);
  const started = Date.now();
  let result;
  try {
    const { nodeBin, env } = prepare(line);
    result = await runVitest(nodeBin, env, vitestArgs);
  } catch (err) {
    console.error(`node-lines: ${line.label} could not run: ${err.message}`);
    result = { code: 1, error: err.message };
  } finally {
    putBack();
  }
  results.push({ line, seconds: Math.round((Date.now() - started) / 1000), ...result });
}

console.log(`\n${'='.repeat(100)}\n== node lines`);
const total = [0, 0, 0];
for (const r of results) {
  const [passed, failed, skipped] = r.counts ?? [0, 0, 0];
  total[0] += passed;
  total[1] += failed;
  total[2] += skipped;
  const verdict = r.code === 0 ? 'ok' : r.signal ? `FAILED (${r.signal})` : r.error ? 'FAILED (not run)' : `FAILED (exit ${r.code})`;
  console.log(`== ${r.line.label.padEnd(36)} ${verdict.padEnd(18)} ${passed} passed, ${failed} failed, ${skipped} skipped in ${r.seconds} s`);
}
// A line that failed without counting a failed test (did not start, crashed) still counts as one failure.
const failedLines = results.filter((r) => r.code !== 0);
const uncounted = failedLines.filter((r) => !r.counts || r.counts[1] === 0).length;
console.log(`\ntests: ${total[0]} passed, ${total[1] + uncounted} failed, ${total[2]} skipped`);
process.exitCode = failedLines.length > 0 ? 1 : 0;
