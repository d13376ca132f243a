import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from './helpers/child-server.js';

// The README's three-terminal demo, line by line as printed there, run by sh in the repository's root
// against the built server started as the first command starts it (a child process on the demo seed).
// Only two things differ from a person at a terminal: the server listens on a free port, named by
// SCANPUSH_SERVER (the CLI's documented variable) instead of the default 8089, and `spk_1_…` becomes the
// key the server printed. So the README cannot drift from the CLI again.

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The shell lines of the demo's code block, comments and blank lines left out. */
function demoLines(): string[] {
  const section = readme.slice(readme.indexOf('## The three-terminal demo'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README: no sh block under "The three-terminal demo"');
  return block.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
}

interface Shell {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

function sh(line: string, env: Record<string, string>): Shell {
  // No SCANPUSH_* from the developer's shell but the server's address.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCANPUSH_')));
  // Its own process group, so stopping it stops what sh started (sh need not exec the last command).
  const child = spawn('sh', ['-c', line], { cwd: root, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const run: Shell = { child, stdout: '', stderr: '', exited: new Promise((resolve) => child.on('close', resolve)) };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (run.stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (run.stderr += s));
  return run;
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`README demo: no ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let server: ChildServer;
let dir: string;
let key: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scanpush-readme-'));
  server = await spawnServer({ DATABASE_PATH: join(dir, 'scanpush.db') });
  await until('demo key', () => /Demo merchant key[^\n]*: (spk_\S+)/.test(server.output()));
  key = /Demo merchant key[^\n]*: (spk_\S+)/.exec(server.output())![1]!;
});

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  rmSync(join(root, 'qr.png'), { force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('the README', () => {
  it('runs the three-terminal demo as printed, and says what it prints', async () => {
    const lines = demoLines();
    expect(lines).toHaveLength(3);
    const [listenLine, qrLine, scanLine] = lines as [string, string, string];
    expect(scanLine).toContain('spk_1_…');
    const env = { SCANPUSH_SERVER: server.url };
    const promised = /Terminal 3 prints `([^`]+)`; terminal 2 prints the same line/.exec(readme)?.[1];
    expect(promised).toBe('0_扣费成功_剩余次数: 9');

    const phone = sh(listenLine, env);
    try {
      await until('"connected" from terminal 2', () => phone.stderr.includes('connected'));
      const qr = sh(qrLine, env);
      expect(await qr.exited, qr.stderr).toBe(0);
      const staff = sh(scanLine.replace('spk_1_…', key), env);
      expect(await staff.exited, staff.stderr).toBe(0);
      expect(staff.stdout.split('\n')[0]).toBe(promised);
      await until('the push in terminal 2', () => phone.stdout.includes(promised!));

      // "Scan the same PNG again: the staff are told QR_USED (二维码已使用) and so is the member."
      const again = sh(scanLine.replace('spk_1_…', key), env);
      expect(await again.exited).not.toBe(0);
      expect(again.stdout + again.stderr).toContain('QR_USED');
      await until('the refusal in terminal 2', () => phone.stdout.includes('二维码已使用'));
      // Only what the CLI itself prints: no package manager's command line or lifecycle noise around it.
      expect(phone.stdout.trim().split('\n')).toEqual([promised, expect.stringMatching(/^2_二维码已使用/)]);
    } finally {
      process.kill(-phone.child.pid!, 'SIGTERM');
      await phone.exited;
    }
  });

  it('has ./scanpush say how to build the CLI when it is not built, instead of a stack trace', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'scanpush-unbuilt-'));
    try {
      const script = readFileSync(join(root, 'scanpush'), 'utf8');
      writeFileSync(join(copy, 'scanpush'), script);
      chmodSync(join(copy, 'scanpush'), 0o755);
      const run = spawn(join(copy, 'scanpush'), ['--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      run.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const code = await new Promise((resolve) => run.on('close', resolve));
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^scanpush: the CLI is not built yet: run the README's first command/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
