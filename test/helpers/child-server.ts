import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SERVER_ENTRY = fileURLToPath(new URL('../../apps/server/dist/main.js', import.meta.url));

export interface ChildServer {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** Resolves with the exit code or signal. */
  exited: Promise<number | string>;
}

/**
 * The built server (`apps/server/dist/main.js`, as `pnpm start` runs it) as a child process on an
 * ephemeral port: for tests that kill it. Resolves once it logs that it listens.
 */
export async function spawnServer(env: Record<string, string>): Promise<ChildServer> {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run the build first (pnpm build)`);
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk;
      for (const line of out.split('\n')) {
        if (!line.includes('scanpush listening')) continue;
        try {
          resolve((JSON.parse(line) as { url: string }).url);
        } catch {
          // a partial line: wait for the rest
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (out += c));
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
  return { child, url, wsUrl: url.replace(/^http/, 'ws'), output: () => out, exited };
}
