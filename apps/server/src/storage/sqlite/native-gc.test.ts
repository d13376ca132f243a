import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// better-sqlite3 12 built against Node 24's node::ObjectWrap aborted the process when the garbage collector
// freed a statement during an allocation ("Assertion failed: (env) != nullptr" in
// node::RemoveEnvironmentCleanupHook); drizzle prepares a statement per query, so a busy server made such
// garbage all the time. patches/better-sqlite3@12.11.1.patch builds the wrappers without that hook. This runs
// in a child of the Node under test (process.execPath: each line of `pnpm test`), since the failure is an abort.
const BETTER_SQLITE3 = createRequire(import.meta.url).resolve('better-sqlite3');

const SCRIPT = `
const Database = require(${JSON.stringify(BETTER_SQLITE3)});
const db = new Database(':memory:');
for (let round = 0; round < 40; round++) {
  for (let i = 0; i < 500; i++) db.prepare('SELECT ' + i).get();
  const churn = [];
  for (let k = 0; k < 100000; k++) churn.push({ k });
}
db.close();
process.stdout.write('survived');
`;

describe('better-sqlite3 on this Node line', () => {
  it('survives statements freed by the garbage collector while the program allocates', () => {
    const run = spawnSync(process.execPath, ['-e', SCRIPT], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr.slice(0, 400) }).toEqual({ status: 0, signal: null, stdout: 'survived', stderr: '' });
  }, 70_000);
});
