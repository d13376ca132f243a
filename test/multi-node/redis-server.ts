import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from '../helpers/nginx.js';

export const REDIS_BIN = process.env.REDIS_BIN ?? '/usr/bin/redis-server';

export interface RedisServer {
  port: number;
  /** SIGKILL: every connection dies with the process; nothing was persisted, so it comes back empty. */
  kill(): Promise<void>;
  /** Starts it again on the same port and addresses (after `kill`). */
  start(): Promise<void>;
  log(): string;
  destroy(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free port, listening on 127.0.0.1 and `listen`, without
 * persistence: the broker keeps nothing in Redis that must survive it (the record is the database).
 */
export async function startRedis(listen: string[]): Promise<RedisServer> {
  if (!existsSync(REDIS_BIN)) throw new Error(`${REDIS_BIN} is missing: apt-get install redis-server`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  let output = '';
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', ...listen, '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--daemonize', 'no'];
    const proc = spawn(REDIS_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (c: Buffer) => (output += c));
    proc.stderr?.on('data', (c: Buffer) => (output += c));
    let code: number | string | undefined;
    exited = new Promise((resolve) => proc.once('exit', (c, signal) => resolve((code = c ?? signal ?? -1))));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (code !== undefined) throw new Error(`redis-server exited (${code}) before listening:\n${output}`);
      if (await accepts(port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not listen within 10 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { port, kill, start, log: () => output, destroy: kill };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
