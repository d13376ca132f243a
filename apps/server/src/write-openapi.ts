import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.js';
import { createScanpush } from './scanpush.js';

// Writes the OpenAPI document to a file (or stdout) with no server to ask: starts one on a throwaway
// SQLite file and a free loopback port, fetches /openapi.json from it, stops it.
//   npx tsx apps/server/src/write-openapi.ts [out.json]
// The routes are those of a development server (the console, the dev login and /metrics on), which
// is what a server with every route on registers.
async function main(out: string | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-openapi-'));
  try {
    const config = loadConfig(
      { NODE_ENV: 'development', PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: join(dir, 'scanpush.db'), DEMO: 'off', OPENAPI: 'on', ADMIN_TOKEN: 'x'.repeat(32), LOG_LEVEL: 'silent' },
      () => 'q'.repeat(43),
    );
    const server = await createScanpush(config);
    try {
      const res = await fetch(`${server.url}/openapi.json`);
      if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}: ${await res.text()}`);
      const text = `${JSON.stringify(await res.json(), null, 2)}\n`;
      if (out) writeFileSync(out, text);
      else process.stdout.write(text);
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`write-openapi: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
