import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The built server's entry, as production runs it. */
export const SERVER_ENTRY = fileURLToPath(new URL('../../server/dist/main.js', import.meta.url));
/** The bare ws + node:http floor (floor-server.ts), run through the same TypeScript loader as the bench. */
const FLOOR_ENTRY = fileURLToPath(new URL('./floor-server.ts', import.meta.url));
/** The Socket.IO reference (socketio-server.ts), the same way. */
const SOCKETIO_ENTRY = fileURLToPath(new URL('./socketio-server.ts', import.meta.url));

/** scanpush itself, or a peer to compare it with: the bare floor or the Socket.IO reference. */
export type ServerKind = 'scanpush' | 'floor' | 'socketio';

export interface ServerOptions {
  kind?: ServerKind;
  /** SQLite's file; unset when `env` gives DATABASE_URL (PostgreSQL). */
  dbPath?: string;
  qrSecret: string;
  heartbeatMs: number;
  /** Extra flags for node itself, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Extra environment for the server. */
  env?: Record<string, string>;
  /** Working directory, where heap snapshots land. */
  cwd?: string;
}

/** The server running as its own process. */
export interface ServerProcess {
  kind: ServerKind;
  pid: number;
  url: string;
  wsUrl: string;
  /** Warnings and errors the server logged so far (pino level ≥ 40). */
  problems: string[];
  /** GET on the server; answers the body text. */
  get(path: string): Promise<string>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Rejects when the server exits; race it against a workload so a crash ends the run at once. */
  died: Promise<never>;
}

/**
 * Starts `node apps/server/dist/main.js` in production mode on an ephemeral port and waits until it
 * listens. Only the variables given here reach it: nothing of the bench's own environment leaks in.
 */
export async function startServerProcess(opts: ServerOptions): Promise<ServerProcess> {
  const kind = opts.kind ?? 'scanpush';
  if (kind === 'scanpush' && !existsSync(SERVER_ENTRY)) throw new Error(`no built server at ${SERVER_ENTRY}: run the build first (pnpm build)`);
  // The peers are TypeScript: they get this process's loader flags (tsx's), the built server needs none.
  const args =
    kind === 'scanpush' ? [...(opts.nodeArgs ?? []), SERVER_ENTRY] : [...process.execArgv, ...(opts.nodeArgs ?? []), kind === 'floor' ? FLOOR_ENTRY : SOCKETIO_ENTRY];
  const metricsToken = randomBytes(24).toString('base64url');
  const child = spawn(process.execPath, args, {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      ...(opts.dbPath === undefined ? {} : { DATABASE_PATH: opts.dbPath }),
      QR_SECRET: opts.qrSecret,
      HEARTBEAT_MS: String(opts.heartbeatMs),
      DEMO: 'off',
      LOG_LEVEL: 'info',
      // Production serves /metrics only to this token (or on a port of its own).
      METRICS_TOKEN: metricsToken,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const tail: string[] = [];
  const problems: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const died = exited.then((code) => {
    throw new Error(`the server exited (code ${code}) during the bench; last output:\n${tail.join('\n')}`);
  });
  died.catch(() => undefined); // observed by whoever races it; never an unhandled rejection

  // The log must be read to the end: a full pipe would block the server's writes.
  const listening = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      remember(tail, line);
      let entry: { level?: number; msg?: string; url?: string } | undefined;
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry?.msg === 'scanpush listening' && entry.url) resolve(entry.url);
      else if ((entry?.level ?? 0) >= 40 && problems.length < 50) problems.push(line);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => remember(tail, line));
    void exited.then((code) => reject(new Error(`the server exited (code ${code}) before listening:\n${tail.join('\n')}`)));
    setTimeout(() => reject(new Error(`the server did not listen within 30 s:\n${tail.join('\n')}`)), 30_000).unref();
  });
  let url: string;
  try {
    url = await listening;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    kind,
    pid: child.pid!,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    problems,
    async get(path) {
      const once = () => fetch(url + path, { headers: { authorization: `Bearer ${metricsToken}` } });
      // A GET is safe to repeat: one that met a pooled keep-alive connection as the server closed it
      // (undici's "fetch failed", "other side closed") is tried again once, on a new connection.
      const res = await once().catch(async (err: unknown) => {
        if (!(err instanceof TypeError) || child.exitCode !== null) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return once();
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 200)}`);
      return text;
    },
    stop: (graceMs = 20_000) => stopChild(child, exited, graceMs),
    died,
  };
}

function remember(tail: string[], line: string): void {
  tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
  if (tail.length > 40) tail.shift();
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
