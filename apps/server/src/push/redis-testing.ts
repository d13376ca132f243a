/**
 * Redis for the broker's tests: a redis-server of the test's own (to kill, freeze and start again), a
 * TCP relay that cuts one node off, and a check that the machine's Redis answers. Not used by the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';

export const SHARED_REDIS_URL = process.env.SCANPUSH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Throws a clear error when Redis at `url` does not answer PING within 3 s (the tests fail, never skip). */
export async function assertRedisAnswers(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(`Redis at ${url} does not answer (${(err as Error).message}); scripts/ensure-system-deps.sh starts it`);
  } finally {
    client.disconnect();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

export interface OwnRedis {
  url: string;
  port: number;
  /** Starts it (again) on its port and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILL: every connection dies at once. */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers, as when a link goes down without a reset. */
  freeze(): void;
  thaw(): void;
}

/** A redis-server on a free port without persistence, not started yet. */
export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    async start() {
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      child = proc;
      const failed = new Promise<never>((_, reject) => proc.once('error', (err) => reject(new Error(`redis-server could not be started (apt-get install redis-server): ${err.message}`))));
      const deadline = Date.now() + 5000;
      for (;;) {
        try {
          return await Promise.race([assertRedisAnswers(url), failed]);
        } catch (err) {
          if (Date.now() > deadline || proc.exitCode !== null || (err as Error).message.startsWith('redis-server could not')) throw err;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
    async kill() {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
      await exited;
    },
    freeze: () => void child?.kill('SIGSTOP'),
    thaw: () => void child?.kill('SIGCONT'),
  };
}

/** A TCP relay to a Redis port: `cut` drops every connection and refuses new ones until `mend`. */
export interface Relay {
  url: string;
  cut(): Promise<void>;
  mend(): Promise<void>;
  close(): Promise<void>;
}

export async function relay(targetPort: number): Promise<Relay> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((inbound) => {
        const outbound = connect(targetPort, '127.0.0.1');
        for (const socket of [inbound, outbound]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        inbound.pipe(outbound).pipe(inbound);
        inbound.on('close', () => outbound.destroy());
        outbound.on('close', () => inbound.destroy());
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
      server = s;
    });
  const cut = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise((resolve) => s.close(resolve));
  };
  await listen();
  return { url: `redis://127.0.0.1:${port}`, cut, mend: listen, close: cut };
}
