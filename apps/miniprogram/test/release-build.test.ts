import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNpm, buildRelease, readServerOrigins, releaseOriginProblem } from '../build.mjs';

// The two builds DevTools runs (project.config.json scripts): the development build before compiling and
// previewing, the release build before uploading. Each into a temp dir, never the project's own folder.
const APP_DIR = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'scanpush-mp-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = { develop: 'http://127.0.0.1:8089', trial: 'https://wash.example.cn', release: 'https://wash.example.cn' };

function originsFile(servers: Record<string, string>): string {
  const file = join(dir, `origins-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, `export const SERVERS: Record<string, string> = ${JSON.stringify(servers)};\n`);
  return file;
}

/** Every file's text under `root`. */
function allText(root: string): string {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

function runBuild(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['build.mjs', ...args], { cwd: APP_DIR }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

describe('development and release builds', () => {
  it('the development build carries the development login; the release build has no trace of it', async () => {
    const dev = join(dir, 'dev');
    await buildNpm(dev);
    expect(readFileSync(join(dev, '@scanpush/dev-login/index.js'), 'utf8')).toContain('/api/auth/dev');

    const release = join(dir, 'release');
    await buildRelease(release, originsFile(GOOD));
    expect(allText(release)).not.toContain('/api/auth/dev');
    expect(allText(release)).not.toContain('auth/dev');
    const required = createRequire(import.meta.url)(join(release, '@scanpush/dev-login/index.js')) as { devLogin?: unknown };
    expect(required.devLogin).toBeUndefined();
    // The rest of the bundles are all there.
    expect(existsSync(join(release, '@scanpush/shared/index.js'))).toBe(true);
    expect(existsSync(join(release, '@scanpush/client/wx/index.js'))).toBe(true);
  });

  it('reads the origins the pages use from server-origins.ts, without running any wx code', async () => {
    expect(Object.keys(await readServerOrigins())).toEqual(['develop', 'trial', 'release']);
  });

  it('refuses to release with the placeholder origin: exit 1, one line, and no build left behind', async () => {
    const out = join(dir, 'placeholder');
    await buildNpm(out); // a development build in place, as DevTools leaves one after compiling
    const refused = await runBuild(['--release', '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'build: release refused: miniprogram/lib/server-origins.ts: the trial origin is still the placeholder https://scanpush.example.com: put your own https origin there\n',
    );
    expect(existsSync(out)).toBe(false);

    const shipped = await runBuild(['--release', '--out', out, '--origins', originsFile(GOOD)]);
    expect(shipped).toMatchObject({ code: 0, stderr: '' });
    expect(shipped.stdout).toContain('(release)');
    expect(allText(out)).not.toContain('/api/auth/dev');
  });

  it.each([
    ['the placeholder', { ...GOOD, release: 'https://scanpush.example.com' }, 'the release origin is still the placeholder'],
    ['http', { ...GOOD, trial: 'http://wash.example.cn' }, 'the trial origin must be https://'],
    ['a path', { ...GOOD, release: 'https://wash.example.cn/api' }, 'the release origin must be https://'],
    ['an IP address', { ...GOOD, release: 'https://10.0.0.2' }, 'must be a domain name, not 10.0.0.2'],
    ['localhost', { ...GOOD, trial: 'https://localhost:8443' }, 'must be a domain name, not localhost'],
    ['nothing', { develop: GOOD.develop, trial: '', release: GOOD.release }, 'no trial server origin'],
  ])('refuses %s as a trial or release origin', (_what, servers, reason) => {
    expect(releaseOriginProblem(servers)).toContain(reason);
  });

  it('accepts real https origins, with a port or a trailing slash', () => {
    expect(releaseOriginProblem(GOOD)).toBeUndefined();
    expect(releaseOriginProblem({ ...GOOD, trial: 'https://trial.wash.example.cn:8443/' })).toBeUndefined();
  });
});
