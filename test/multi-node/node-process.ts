import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SERVER_ENTRY } from '../helpers/child-server.js';
import type { NodeNetwork } from './network.js';

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  /** Its HTTP base, on the node's web address. */
  url: string;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** Resolves with the exit code or signal. */
  exited: Promise<number | string>;
  /** A metric's value from the node's /metrics (summed over its label sets), 0 when absent. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The built server (`apps/server/dist/main.js`) as a child process inside the node's namespace (through
 * `ip netns exec`, which execs, so the pid is the server's and SIGKILL reaches it), listening on the
 * node's web address and an ephemeral port. Resolves once it logs that it listens.
 */
export async function spawnNode(net: NodeNetwork, env: Record<string, string>): Promise<NodeProcess> {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run the build first (pnpm build)`);
  const argv = [...net.exec, process.execPath, SERVER_ENTRY];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: net.web.nodeAddress, PORT: '0', LOG_LEVEL: 'info', NODE_NAME: net.name, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${net.name} did not listen within 20 s:\n${out}`));
    }, 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.includes('scanpush listening'));
      if (!line) return;
      try {
        resolve((JSON.parse(line) as { url: string }).url);
        clearTimeout(timer);
      } catch {
        // a partial line: wait for the rest
      }
    });
    child.stderr?.on('data', (c: Buffer) => (out += c));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node ${net.name} exited (${code}) before listening:\n${out}`));
    });
  });
  return {
    name: net.name,
    child,
    url,
    output: () => out,
    exited,
    metric: async (name, labels = {}) => {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
      return sumMetric(text, name, labels);
    },
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** The sum of a metric's samples in Prometheus text whose labels include `labels`. */
export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const has = Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`));
    if (has) sum += Number(m[3]);
  }
  return sum;
}
