import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/nginx.js';

const run = promisify(execFile);
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const DATABASE = 'scanpush';

export interface PostgresServer {
  port: number;
  /** The URL of the test database through `host` (an address the server listens on). */
  url(host: string, port?: number): string;
  /** `pg_ctl stop -m immediate`: every backend dies at once, as in a crash; recovery runs at the next start. */
  crash(): Promise<void>;
  /** Starts the same cluster again (after `crash`). */
  start(): Promise<void>;
  /** The server's log, for failure messages. */
  log(): string;
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own (never the machine's shared one, which a fault test must not
 * stop): initdb into a temp dir as the `postgres` user, trust auth for loopback and the test network,
 * listening on 127.0.0.1 and `listen` on a free port. fsync and full page writes are off, for speed: a
 * crash of the machine is not what these tests simulate. `crash()` kills the server's processes, and a
 * commit it acknowledged is in the kernel's page cache by then (synchronous_commit stays on), so nothing
 * committed is lost, as on a production server.
 */
export async function startPostgres(listen: string[]): Promise<PostgresServer> {
  const initdb = join(PG_BIN, 'initdb');
  if (!existsSync(initdb)) throw new Error(`${initdb} is missing: PostgreSQL 15's server binaries are needed (apt-get install postgresql-15)`);
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  // initdb refuses to run as root: the cluster belongs to `postgres` when the tests run as root.
  const asOwner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asOwner.length) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout), Number(gid));
  }
  const pg = (bin: string, ...args: string[]) => {
    const argv = [...asOwner, join(PG_BIN, bin), ...args];
    return run(argv[0]!, argv.slice(1), { timeout: 60_000 });
  };
  const port = await freePort();
  const fail = (what: string, err: unknown): never => {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${what}: ${String((err as { stderr?: string }).stderr || err)}\n${log}`);
  };
  try {
    await pg('initdb', '-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync');
  } catch (err) {
    fail('initdb failed', err);
  }
  appendFileSync(
    join(data, 'postgresql.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '${['127.0.0.1', ...listen].join(',')}'`,
      `unix_socket_directories = '${dir}'`,
      'fsync = off',
      'full_page_writes = off',
      'max_connections = 200',
      'shared_buffers = 32MB',
      '',
    ].join('\n'),
  );
  appendFileSync(join(data, 'pg_hba.conf'), 'host all all 10.231.0.0/16 trust\n');
  const start = async () => {
    await pg('pg_ctl', '-D', data, '-l', logFile, '-w', '-t', '30', 'start');
  };
  try {
    await start();
    await pg('createdb', '-h', dir, '-p', String(port), '-U', 'postgres', DATABASE);
  } catch (err) {
    await pg('pg_ctl', '-D', data, '-m', 'immediate', 'stop').catch(() => undefined);
    fail('PostgreSQL did not start', err);
  }
  return {
    port,
    url: (host, via = port) => `postgres://postgres@${host}:${via}/${DATABASE}`,
    crash: async () => {
      await pg('pg_ctl', '-D', data, '-m', 'immediate', '-w', 'stop');
    },
    start,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    destroy: async () => {
      await pg('pg_ctl', '-D', data, '-m', 'immediate', 'stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
