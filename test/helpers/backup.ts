import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cliMain = join(root, 'apps/cli/src/main.ts');

/**
 * `scanpush backup ARGS` in a child process, from source through tsx (so it never races the CLI's own
 * build), as an operator runs it beside a live server.
 */
export function runBackup(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_PATH'));
    const child = spawn(process.execPath, ['--import', 'tsx', cliMain, 'backup', ...args], { cwd: root, env: { ...clean, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
