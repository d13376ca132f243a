import { afterAll, afterEach, beforeAll, beforeEach, onTestFailed } from 'vitest';
import { startCluster, type Cluster } from './cluster.js';
import { stopScreens } from './traffic.js';

/** Each test's bound (they take 1–6 s here); every wait inside a test has a deadline of its own too. */
export const TEST_TIMEOUT_MS = 60_000;

/**
 * One cluster for the test file: started before its tests, destroyed after them (also when they fail).
 * A failing test prints every process's output; each test's member screens are stopped after it.
 * Returns a getter, because the cluster exists only once `beforeAll` ran.
 */
export function useCluster(opts: Parameters<typeof startCluster>[0] = {}): () => Cluster {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await startCluster(opts);
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  }, 30_000);
  beforeEach(() => {
    onTestFailed(() => {
      if (cluster) process.stderr.write(`\n${cluster.diagnostics()}\n`);
    });
  });
  // A failed test's member sockets must not linger into the next test, which counts sockets per node.
  afterEach(() => stopScreens());
  return () => {
    if (!cluster) throw new Error('the cluster did not start');
    return cluster;
  };
}
