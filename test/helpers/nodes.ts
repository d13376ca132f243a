import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '../../apps/server/src/storage/postgres/test-database.js';
import { startServer, type SharedBacking, type TestServer } from './server.js';

export interface TestNodes {
  /** The nodes, in this process, each with its own port, pool and Redis connections. */
  nodes: TestServer[];
  shared: SharedBacking;
  /** Stops node `index` if it runs and starts it again on the same port (a rolling restart), in its place in `nodes`. */
  restart(index: number): Promise<TestServer>;
  /** Stops every node still running, then drops the database. */
  stop(): Promise<void>;
}

/**
 * `count` server nodes on one fresh PostgreSQL database and one Redis key prefix of their own, sharing the
 * secrets, as the nodes of one deployment do. The first starts alone (it migrates and seeds the demo:
 * member 17, store 2, 10 uses), the others after it. For several nodes as separate processes that a test
 * kills, see test/multi-node.
 */
export async function startNodes(count: number, opts: { env?: Record<string, string> } = {}): Promise<TestNodes> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`startNodes needs a positive node count, got ${count}`);
  const database = await createTestDatabase();
  const shared: SharedBacking = {
    databaseUrl: database.url,
    redisKeyPrefix: `test:${randomBytes(6).toString('hex')}:`,
    adminToken: randomBytes(24).toString('base64url'),
    qrSecret: randomBytes(32).toString('base64url'),
    demoMerchantKey: `spk_1_${randomBytes(18).toString('base64url')}`,
  };
  const nodes: TestServer[] = [];
  const stop = async () => {
    // Every node, whatever the others did, before the database goes.
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await database.drop();
  };
  try {
    for (let i = 0; i < count; i++) nodes.push(await startServer({ env: opts.env, shared }));
  } catch (err) {
    await stop();
    throw err;
  }
  const restart = async (index: number) => {
    const old = nodes[index];
    if (!old) throw new Error(`no node ${index} (there are ${nodes.length})`);
    await old.stop();
    const node = await startServer({ env: { ...opts.env, PORT: String(old.port) }, shared });
    nodes[index] = node;
    return node;
  };
  return { nodes, shared, restart, stop };
}
