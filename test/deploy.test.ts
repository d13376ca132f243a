import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../apps/server/src/config.js';
import { renderNginxConfig, type NginxVars } from './helpers/nginx.js';

// The deploy/ templates kept in step with the server they configure.
const read = (path: string) => readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), 'utf8');

/** KEY=VALUE lines of an environment file, as systemd's EnvironmentFile reads them (no quoting used). */
function parseEnvFile(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  return Object.fromEntries(entries);
}

const example = parseEnvFile(read('deploy/scanpush.env.example'));
const unit = read('deploy/scanpush.service');

describe('deploy/scanpush.env.example', () => {
  it('names every variable the server reads, and nothing else', () => {
    const schema = /const schema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(read('apps/server/src/config.ts'))?.[1] ?? '';
    const names = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(10);
    expect(Object.keys(example).sort()).toEqual(names.sort());
  });

  it('holds no secret, and starts a production server once the secrets are filled in', () => {
    for (const secret of ['QR_SECRET', 'ADMIN_TOKEN', 'WECHAT_SECRET', 'WECHAT_APPID', 'DEMO_MERCHANT_KEY', 'DATABASE_URL', 'REDIS_URL']) expect(example[secret]).toBe('');
    expect(() => loadConfig(example, () => 'unused')).toThrow(ConfigError);
    expect(() => loadConfig(example, () => 'unused')).toThrow(/QR_SECRET: required in production/);

    const config = loadConfig({ ...example, QR_SECRET: 'q'.repeat(48), ADMIN_TOKEN: 'a'.repeat(32) }, () => 'unused');
    expect(config).toMatchObject({
      env: 'production',
      host: '127.0.0.1',
      port: 8089,
      databasePath: '/var/lib/scanpush/scanpush.db',
      sqliteSynchronous: 'normal',
      trustProxy: ['127.0.0.1', '::1'],
      devLogin: false,
      demo: false,
      qrSecretGenerated: false,
    });
  });
});

describe("the README's configuration table", () => {
  const schemaText = /const schema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(read('apps/server/src/config.ts'))?.[1] ?? '';
  const variables = [...schemaText.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
  const section = read('README.md').split('## Configuration')[1]?.split('\n## ')[0] ?? '';
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| /, '').replace(/ \|$/, '')));
  const numeric = rows.flatMap(([names = '', , bounds = '']) => {
    const m = /^(\d+(?:\.\d+)?)–(\d+(?:\.\d+)?)?$/.exec(bounds);
    return m ? [{ name: /`([A-Z0-9_]+)`/.exec(names)![1]!, min: Number(m[1]), max: m[2] === undefined ? undefined : Number(m[2]) }] : [];
  });
  // Secrets so production-only rules never interfere; timeouts that leave every bound of the others free.
  const base = { QR_SECRET: 'q'.repeat(48), HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '300000' };
  const accepts = (name: string, value: number) => {
    try {
      loadConfig({ ...base, [name]: String(value) }, () => 'unused');
      return true;
    } catch (err) {
      if (err instanceof ConfigError) return false;
      throw err;
    }
  };

  it('names every variable the server reads', () => {
    expect(variables.length).toBeGreaterThan(30);
    const named = new Set(rows.flatMap(([names = '']) => [...names.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1])));
    expect(variables.filter((v) => !named.has(v))).toEqual([]);
  });

  it('gives the bounds the server enforces at start', () => {
    expect(numeric.length).toBeGreaterThan(15);
    for (const { name, min, max } of numeric) {
      const step = Number.isInteger(min) ? 1 : 0.01;
      expect(accepts(name, min), `${name} = ${min}`).toBe(true);
      if (min - step >= 0) expect(accepts(name, min - step), `${name} = ${min - step}`).toBe(false);
      if (max !== undefined) {
        expect(accepts(name, max), `${name} = ${max}`).toBe(true);
        expect(accepts(name, max + step), `${name} = ${max + step}`).toBe(false);
      }
    }
  });
});

describe('deploy/scanpush.service', () => {
  it('starts the file the server build writes, from the state directory that holds the database', () => {
    expect(unit).toMatch(/^ExecStart=\S+ \/opt\/scanpush\/apps\/server\/dist\/main\.js$/m);
    expect(read('apps/server/build.mjs')).toContain("outfile: 'dist/main.js'");
    expect(unit).toMatch(/^StateDirectory=scanpush$/m);
    expect(example.DATABASE_PATH?.startsWith('/var/lib/scanpush/')).toBe(true);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/scanpush\/scanpush\.env$/m);
  });

  it('waits for the graceful shutdown before killing', () => {
    const stopSeconds = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    const grace = loadConfig({ QR_SECRET: 'q'.repeat(48) }, () => 'unused').shutdownGraceMs;
    // The grace period, the 2 s the socket server gives close frames, and a margin.
    expect(stopSeconds * 1000).toBeGreaterThanOrEqual(grace + 2000 + 5000);
  });

  it.runIf(existsSync('/usr/bin/systemd-analyze'))('passes systemd-analyze verify without a warning', () => {
    // It reports problems (unknown keys, bad values) on stderr and still exits 0.
    const run = spawnSync('systemd-analyze', ['verify', fileURLToPath(new URL('../deploy/scanpush.service', import.meta.url))], { encoding: 'utf8' });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 0, stdout: '', stderr: '' });
  });
});

describe('deploy/nginx/scanpush.conf', () => {
  it.runIf(existsSync('/usr/bin/envsubst'))('renders with the documented envsubst command exactly as the tests render it', () => {
    const template = read('deploy/nginx/scanpush.conf');
    // The variable list operators copy: the quoted argument in the template's header comment.
    const list = /envsubst '([^']+)'/.exec(template.split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s*/, '')).join(' '))?.[1] ?? '';
    const vars: NginxVars = {
      SCANPUSH_DOMAIN: 'wash.example.com',
      SCANPUSH_HTTPS_LISTEN: '443',
      SCANPUSH_HTTP_LISTEN: '80',
      SCANPUSH_CERT: '/etc/letsencrypt/live/wash.example.com/fullchain.pem',
      SCANPUSH_CERT_KEY: '/etc/letsencrypt/live/wash.example.com/privkey.pem',
      SCANPUSH_UPSTREAM: '127.0.0.1:8089',
      SCANPUSH_SOCKET_READ_TIMEOUT: '75s',
    };
    const run = spawnSync('envsubst', [list], { input: template, encoding: 'utf8', env: { PATH: process.env.PATH, ...vars } });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(renderNginxConfig(vars));
    // nginx's own variables survive.
    expect(run.stdout).toContain('$http_upgrade');
    expect(read('docs/production.md')).toContain(`envsubst '${list.replace(/\s+/g, ' ')}'`);
  });
});
