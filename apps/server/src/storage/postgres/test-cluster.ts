import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A PostgreSQL cluster of one test's own, which the test may stop and start. */
export interface TestCluster {
  /** Its `postgres` database. */
  url: string;
  /** `pg_ctl stop` in the given mode: `fast` ends every session with 57P01, `immediate` kills the server as a crash does. */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again, and waits until it accepts connections. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * initdb into a temp dir (as the `postgres` user when the tests run as root: initdb and pg_ctl refuse
 * root), on a free loopback port, trust auth. Tests that take PostgreSQL away use this, never the
 * machine's shared server. fsync is off: a crash of the machine is not what they simulate.
 */
export async function startTestCluster(): Promise<TestCluster> {
  if (!existsSync(join(PG_BIN, 'initdb'))) throw new Error(`${PG_BIN}/initdb is missing: PostgreSQL 15's server binaries are needed (set PG_BIN)`);
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-pg-cluster-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const asOwner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asOwner.length > 0) {
    const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout);
    chownSync(dir, await id('-u'), await id('-g'));
  }
  const pg = async (bin: string, ...args: string[]) => {
    const argv = [...asOwner, join(PG_BIN, bin), ...args];
    try {
      await run(argv[0]!, argv.slice(1), { timeout: 60_000 });
    } catch (err) {
      const serverLog = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(`${bin} failed: ${(err as { stderr?: string }).stderr || String(err)}\n${serverLog}`);
    }
  };
  const port = await freePort();
  try {
    await pg('initdb', '-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync');
    appendFileSync(
      join(data, 'postgresql.conf'),
      `port = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${dir}'\nfsync = off\nshared_buffers = 16MB\n`,
    );
    await pg('pg_ctl', '-D', data, '-l', log, '-w', '-t', '30', 'start');
  } catch (err) {
    await pg('pg_ctl', '-D', data, '-m', 'immediate', 'stop').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: (mode) => pg('pg_ctl', '-D', data, '-m', mode, '-w', 'stop'),
    start: () => pg('pg_ctl', '-D', data, '-l', log, '-w', '-t', '30', 'start'),
    async destroy() {
      await pg('pg_ctl', '-D', data, '-m', 'immediate', 'stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
