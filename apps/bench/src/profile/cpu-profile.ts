/** Reads a V8 .cpuprofile (node --cpu-prof) into self and total time per function and per package. */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Row {
  name: string;
  selfMs: number;
  totalMs: number;
  selfPct: number;
}

/** Where a frame's code lives: a package, the bundled server, Node's internals, or V8's pseudo-frames. */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pnpm = /node_modules\/\.pnpm\/(@?[^@/]+(?:\+[^@/]+)?)@/.exec(url);
  if (pnpm) return (pnpm[1] as string).replace('+', '/');
  const plain = /node_modules\/(@[^/]+\/[^/]+|[^/]+)\//.exec(url);
  if (plain) return plain[1] as string;
  if (url.startsWith('node:')) return 'node (internals)';
  if (url.includes('/dist/main.js')) return 'scanpush server (bundled: server, shared)';
  return url;
}

/**
 * Self and total time per package and per function. `windowUs` keeps only the samples taken in that
 * interval of the monotonic clock (the profile's timestamps and the bench's `windowUs` share it), so a
 * workload's timed part can be read apart from start-up and connecting.
 */
export function summariseCpuProfile(profile: CpuProfile, top = 25, windowUs?: [number, number]): { totalMs: number; byPackage: Row[]; byFunction: Row[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (windowUs && (at < windowUs[0] || at > windowUs[1])) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0));
  });
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

  // Inclusive time of each node, then per function counting each function once per stack (recursion).
  const fnSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  const pkgSelf = new Map<string, number>();
  const pkgTotal = new Map<string, number>();
  const key = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${f.url ? where(f) : ''}`.trim();
  const walk = (node: ProfileNode, fnOnStack: Set<string>, pkgOnStack: Set<string>): number => {
    const k = key(node.callFrame);
    const pkg = packageOf(node.callFrame);
    const own = selfUs.get(node.id) ?? 0;
    fnSelf.set(k, (fnSelf.get(k) ?? 0) + own);
    pkgSelf.set(pkg, (pkgSelf.get(pkg) ?? 0) + own);
    const addFn = !fnOnStack.has(k);
    const addPkg = !pkgOnStack.has(pkg);
    if (addFn) fnOnStack.add(k);
    if (addPkg) pkgOnStack.add(pkg);
    let total = own;
    for (const c of node.children ?? []) {
      const child = byId.get(c);
      if (child) total += walk(child, fnOnStack, pkgOnStack);
    }
    if (addFn) {
      fnOnStack.delete(k);
      fnTotal.set(k, (fnTotal.get(k) ?? 0) + total);
    }
    if (addPkg) {
      pkgOnStack.delete(pkg);
      pkgTotal.set(pkg, (pkgTotal.get(pkg) ?? 0) + total);
    }
    return total;
  };
  const root = profile.nodes[0];
  if (root) walk(root, new Set(), new Set());
  const rows = (self: Map<string, number>, total: Map<string, number>, n: number): Row[] =>
    [...self]
      .map(([name, s]) => ({ name, selfMs: Math.round(s / 100) / 10, totalMs: Math.round((total.get(name) ?? 0) / 100) / 10, selfPct: totalUs ? Math.round((s / totalUs) * 1000) / 10 : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, n);
  return { totalMs: Math.round(totalUs / 1000), byPackage: rows(pkgSelf, pkgTotal, 20), byFunction: rows(fnSelf, fnTotal, top) };
}

const maps = new Map<string, SourceMap | null>();
let givenMap: SourceMap | undefined;

/** Maps bundled frames through this source map instead of the one beside the bundle (which may be newer). */
export function useSourceMap(file: string): void {
  givenMap = new SourceMap(JSON.parse(readFileSync(file, 'utf8')));
}

/**
 * `file:line` of a frame, shortened; frames of the bundled server are mapped back to their TypeScript
 * source through the bundle's source map, when it sits beside the bundle.
 */
function where(f: CallFrame): string {
  if (f.url.endsWith('/dist/main.js')) {
    let map = givenMap ?? maps.get(f.url);
    if (map === undefined) {
      const file = `${f.url.startsWith('file:') ? fileURLToPath(f.url) : f.url}.map`;
      map = existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : null;
      maps.set(f.url, map);
    }
    const entry = map?.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
    if (entry?.originalSource) return `${entry.originalSource.replace(/^.*?\/(apps|packages)\//, '$1/')}:${(entry.originalLine ?? 0) + 1}`;
  }
  return `${f.url.replace(/^.*\/(node_modules\/\.pnpm\/|apps\/)/, '').replace(/^[^/]+\/node_modules\//, '')}:${f.lineNumber + 1}`;
}
