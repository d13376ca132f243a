import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The bundled CLI as users run it, in child processes spawned asynchronously so that a server in the
// test's own process keeps answering while the CLI talks to it.

const CLI_DIR = fileURLToPath(new URL('../../apps/cli', import.meta.url));
const CLI = join(CLI_DIR, 'dist/scanpush.js');

export interface CliExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Bundles the CLI (once per test file, in `beforeAll`): the tests run what `./scanpush` runs. */
export function buildCli(): void {
  execFileSync(process.execPath, ['build.mjs'], { cwd: CLI_DIR, stdio: 'inherit' });
}

/**
 * Starts `scanpush …args` with `env` and no SCANPUSH_* from the developer's shell (each test says what it
 * means). `ended`: its exit, rejected with its output when it runs past `timeoutMs` (it is killed then);
 * `untilConnected`: once it printed `connected` (listen).
 */
export function startCli(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): { ended: Promise<CliExit>; untilConnected: Promise<void> } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCANPUSH_')));
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let onErr = () => {};
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    onErr();
  });
  const ended = new Promise<CliExit>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scanpush ${args.join(' ')} still running after ${timeoutMs} ms; stdout=${stdout} stderr=${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  const untilConnected = new Promise<void>((resolve) => (onErr = () => /^connected$/m.test(stderr) && resolve()));
  return { ended, untilConnected };
}

/** Runs `scanpush …args` to its exit (see `startCli`). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<CliExit> {
  return startCli(args, env, timeoutMs).ended;
}
