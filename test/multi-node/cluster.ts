import { randomBytes } from 'node:crypto';
import { createNetwork, type Network } from './network.js';
import { startNginxFront, type NginxFront } from './nginx-front.js';
import { spawnNode, type NodeProcess } from './node-process.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { startRedis, type RedisServer } from './redis-server.js';

export interface Cluster {
  network: Network;
  postgres: PostgresServer;
  redis: RedisServer;
  /** a, b, c…: each in its own namespace, on the shared PostgreSQL and Redis. */
  nodes: NodeProcess[];
  /** nginx with an upstream of every node. */
  front: NginxFront;
  /** The database as the test process reaches it (127.0.0.1), for the engine's own audit. */
  databaseUrl: string;
  adminToken: string;
  /** The demo merchant (store 2) key every node shares. */
  merchantKey: string;
  /** Every process's output, for a failure message. */
  diagnostics(): string;
  destroy(): Promise<void>;
}

/**
 * A cluster of the test's own: the network (namespaces where possible), one PostgreSQL, one Redis,
 * `count` server nodes sharing them and the same secrets, and nginx in front. The first node starts
 * alone (it migrates and seeds the demo), the others together. Everything made is torn down by
 * `destroy()`, and by a failure of the start itself.
 */
export async function startCluster(opts: { nodes?: number; env?: Record<string, string> } = {}): Promise<Cluster> {
  const count = opts.nodes ?? 3;
  const adminToken = randomBytes(24).toString('base64url');
  const qrSecret = randomBytes(32).toString('base64url');
  const merchantKey = `spk_1_${randomBytes(24).toString('base64url')}`;
  const keyPrefix = `ft${randomBytes(4).toString('hex')}:`;
  const network = await createNetwork(count);
  const parts: { postgres?: PostgresServer; redis?: RedisServer; front?: NginxFront; nodes: NodeProcess[] } = { nodes: [] };
  // Every step runs whatever the others did: a cleanup that stops at the first error leaks the rest.
  const destroy = async () => {
    await Promise.allSettled(parts.nodes.map((n) => n.kill('SIGKILL')));
    await parts.front?.stop().catch(() => undefined);
    await Promise.allSettled([parts.redis?.destroy(), parts.postgres?.destroy()]);
    await network.destroy();
  };
  try {
    const [postgres, redis] = await settled(
      [startPostgres(network.serviceAddresses('db')), startRedis(network.serviceAddresses('redis'))] as const,
      (started) => ([parts.postgres, parts.redis] = started),
    );
    const start = async (i: number) => {
      const net = network.nodes[i]!;
      const db = await net.db.route(postgres.port);
      const broker = await net.redis.route(redis.port);
      const node = await spawnNode(net, {
        DATABASE_URL: postgres.url(db.host, db.port),
        REDIS_URL: `redis://${broker.host}:${broker.port}`,
        REDIS_KEY_PREFIX: keyPrefix,
        QR_SECRET: qrSecret,
        QR_TTL_SECONDS: '900',
        ADMIN_TOKEN: adminToken,
        DEMO_MERCHANT_KEY: merchantKey,
        TRUST_PROXY: net.web.hostAddress,
        SHUTDOWN_GRACE_MS: '1000',
        ...opts.env,
      });
      parts.nodes[i] = node;
      return node;
    };
    await start(0);
    await settled(network.nodes.slice(1).map((_, i) => start(i + 1)), () => undefined);
    const nodes = parts.nodes;
    parts.front = await startNginxFront(nodes.map((n) => new URL(n.url).host));
    const front = parts.front;
    return {
      network,
      postgres,
      redis,
      nodes,
      front,
      databaseUrl: postgres.url('127.0.0.1'),
      adminToken,
      merchantKey,
      diagnostics: () =>
        [
          `network: ${network.kind}${network.reason ? ` (${network.reason})` : ''}`,
          ...nodes.map((n) => `--- node ${n.name} (${n.url})\n${tail(n.output())}`),
          `--- redis\n${tail(redis.log())}`,
          `--- postgres\n${tail(postgres.log())}`,
          `--- nginx\n${tail(front.nginx.log())}`,
          `--- nginx access log\n${tail(front.nginx.accessLog())}`,
        ].join('\n'),
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}

/** The last lines of a log, without the access log's successful requests (there are hundreds). */
function tail(text: string, lines = 40): string {
  const routine = /"msg":"request"/;
  const ok = /"status":[23]\d\d,/;
  return text.split('\n').filter((line) => !(routine.test(line) && ok.test(line))).slice(-lines).join('\n');
}

/**
 * Waits for all of `starts` (not only until the first fails, which would leave the others to finish
 * unseen and leak), hands what started to `keep`, then throws the first failure if there was one.
 */
async function settled<T extends readonly unknown[]>(
  starts: { [K in keyof T]: Promise<T[K]> },
  keep: (started: { [K in keyof T]: T[K] | undefined }) => void,
): Promise<T> {
  const results = await Promise.allSettled(starts);
  keep(results.map((r) => (r.status === 'fulfilled' ? r.value : undefined)) as { [K in keyof T]: T[K] | undefined });
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
