import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QR_TOKEN_LENGTH, parseStaffBinding, type CardView, type QrResponse } from '@scanpush/shared';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, devLogin, mintQr, scan } from './helpers/client.js';
import { startServer, type TestServer } from './helpers/server.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';
import { decodeQrPng } from '../apps/cli/src/qr-image.js';

// The CLI as users run it: the bundled file, in child processes, against the real server in this process.
// Children are spawned asynchronously: a synchronous spawn would block the server they talk to.
const root = fileURLToPath(new URL('..', import.meta.url));
const cliDir = join(root, 'apps/cli');
const cli = join(cliDir, 'dist/scanpush.js');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running CLI process; `waitFor` resolves when its output so far matches. */
class CliRun {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();

  constructor(args: string[], env: Record<string, string> = {}) {
    // No SCANPUSH_* from the developer's shell: each test says what it means.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCANPUSH_')));
    this.child = spawn(process.execPath, [cli, ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => this.grow('stdout', s));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => this.grow('stderr', s));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => resolve({ code, stdout: this.stdout, stderr: this.stderr })),
    );
  }

  private grow(stream: 'stdout' | 'stderr', text: string): void {
    this[stream] += text;
    for (const listener of [...this.listeners]) listener();
  }

  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pattern.test(this[stream])) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} on ${stream} within ${timeoutMs} ms; stdout=${JSON.stringify(this.stdout)} stderr=${JSON.stringify(this.stderr)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** The exit, or a failure naming what the process printed if it does not end in time. */
  async ended(timeoutMs = 15_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`still running after ${timeoutMs} ms; stdout=${JSON.stringify(this.stdout)} stderr=${JSON.stringify(this.stderr)}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

const runs: CliRun[] = [];

function start(args: string[], env?: Record<string, string>): CliRun {
  const run = new CliRun(args, env);
  runs.push(run);
  return run;
}

function run(args: string[], env?: Record<string, string>): Promise<Exit> {
  return start(args, env).ended();
}

let srv: TestServer;
let dir: string;

beforeAll(() => {
  execFileSync(process.execPath, ['build.mjs'], { cwd: cliDir, stdio: 'inherit' });
});

beforeEach(async () => {
  srv = await startServer();
  dir = srv.dir;
});

afterEach(async () => {
  runs.splice(0).forEach((r) => r.kill());
  await srv.stop();
});

async function remaining(memberId = 17, storeId = 2): Promise<number | undefined> {
  const { body } = await api<{ cards: CardView[] }>(srv.url, '/api/cards', { token: await devLogin(srv.url, memberId) });
  return body.cards.find((c) => c.storeId === storeId)?.remaining;
}

/** A member of its own with a card at the demo store, so socket tests start from an empty history. */
async function newMember(uses: number): Promise<number> {
  const member = await api(srv.url, '/api/admin/members', { token: srv.adminToken, body: { name: 'CLI test' } });
  const card = await api(srv.url, '/api/admin/cards', { token: srv.adminToken, body: { memberId: member.body.id, storeId: 2, uses } });
  expect([member.status, card.status]).toEqual([201, 200]);
  return member.body.id as number;
}

async function scanAs(memberId: number): Promise<Exit> {
  const token = await mintQr(srv.url, await devLogin(srv.url, memberId));
  return run(['--server', srv.url, 'scan', token, '--key', srv.demoMerchantKey]);
}

/** A port nothing listens on: bound once by us, then released. */
async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('scanpush qr and scan', () => {
  it('draws a QR to a PNG that scan --image decodes and deducts from; the same QR again is refused with exit 2', async () => {
    const png = join(dir, 'qr.png');
    const qr = await run(['--server', srv.url, 'qr', '--user', '17', '--store', '2', '--png', png]);
    expect(qr.code, qr.stderr).toBe(0);
    const token = qr.stdout.match(/^SP[A-Z2-7]+$/m)?.[0];
    expect(token).toHaveLength(QR_TOKEN_LENGTH);
    expect(qr.stdout).toMatch(/^expires \d{4}-\d\d-\d\dT.*\(60 s\)$/m);
    expect(readFileSync(png).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    const first = await run(['--server', srv.url, 'scan', '--image', png], { SCANPUSH_MERCHANT_KEY: srv.demoMerchantKey });
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe('0_扣费成功_剩余次数: 9\nremaining: 9\n');

    const again = await run(['--server', srv.url, 'scan', token!, '--key', srv.demoMerchantKey]);
    expect(again.code).toBe(2);
    expect(again.stdout).toBe('refused: QR_USED 2_二维码已使用_请刷新二维码后重试\n');
    expect(await remaining()).toBe(9);
  });

  it('prints the QrResponse with --json and writes an SVG', async () => {
    const svg = join(dir, 'qr.svg');
    const out = await run(['--server', srv.url, 'qr', '--user', '17', '--store', '2', '--json', '--svg', svg]);
    expect(out.code, out.stderr).toBe(0);
    const body = JSON.parse(out.stdout) as QrResponse;
    expect(body).toMatchObject({ memberId: 17, storeId: 2, ttlSeconds: 60 });
    expect(readFileSync(svg, 'utf8')).toMatch(/<svg[^>]*>/);
    const scanned = await run(['--server', srv.url, 'scan', body.token, '--key', srv.demoMerchantKey, '--json']);
    expect(scanned.code).toBe(0);
    expect(JSON.parse(scanned.stdout)).toMatchObject({ replayed: false, result: { name: 'OK', remaining: 9 } });
  });

  it('uses a given session token instead of logging in', async () => {
    const token = await devLogin(srv.url, 17);
    const out = await run(['--server', srv.url, 'qr', '--user', '17', '--store', '2', '--token', token, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const bad = await run(['--server', srv.url, 'qr', '--user', '17', '--store', '2', '--token', 'not-a-session']);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(/^scanpush: UNAUTHORIZED: .+\n$/);
  });

  it('a repeated Idempotency-Key gets the first answer back and deducts once', async () => {
    const token = await mintQr(srv.url, await devLogin(srv.url, 17));
    const args = ['--server', srv.url, 'scan', token, '--key', srv.demoMerchantKey, '--idempotency-key', 'till-7-receipt-1'];
    const first = await run(args);
    const retry = await run(args);
    expect([first.code, retry.code]).toEqual([0, 0]);
    expect(retry.stdout).toBe(first.stdout);
    expect(retry.stderr).toMatch(/replayed/);
    expect(await remaining()).toBe(9);
  });

  it('retries a scan whose answer was lost with the same Idempotency-Key, so it deducts once', async () => {
    // A proxy that forwards the first request to the server but cuts the connection instead of passing
    // the answer back: the deduction is committed and the CLI sees a network error.
    let connections = 0;
    const target = new URL(srv.url);
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      const first = ++connections === 1;
      client.pipe(upstream);
      upstream.on('data', (chunk) => (first ? client.destroy() : client.write(chunk)));
      upstream.on('end', () => client.end());
      client.on('close', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const token = await mintQr(srv.url, await devLogin(srv.url, 17));
      const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
      const out = await run(['--server', url, 'scan', token, '--key', srv.demoMerchantKey]);
      expect(out.code, out.stderr).toBe(0);
      expect(connections).toBe(2);
      expect(out.stdout).toBe('0_扣费成功_剩余次数: 9\nremaining: 9\n');
      expect(out.stderr).toMatch(/replayed/);
      expect(await remaining()).toBe(9);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('refuses a wrong merchant key with UNAUTHORIZED and exit 1', async () => {
    const token = await mintQr(srv.url, await devLogin(srv.url, 17));
    const out = await run(['--server', srv.url, 'scan', token, '--key', 'spk_1_wrongwrongwrongwrong']);
    expect(out).toMatchObject({ code: 1, stdout: '' });
    expect(out.stderr).toMatch(/^scanpush: UNAUTHORIZED: [^\n]+\n$/);
    expect(await remaining()).toBe(10);
  });

  it('says in one line that it cannot reach the server', async () => {
    const url = `http://127.0.0.1:${await deadPort()}`;
    for (const args of [
      ['qr', '--user', '17', '--store', '2'],
      ['scan', 'SPXYZ', '--key', 'k'],
      ['listen', '--user', '17', '--store', '2', '--token', 't'],
    ]) {
      const out = await run(['--server', url, ...args]);
      expect(out.code, args.join(' ')).toBe(1);
      expect(out.stderr).toMatch(/^scanpush: cannot (reach|connect)[^\n]*ECONNREFUSED[^\n]*\n$/);
    }
  });

  it('rejects bad flags with a one-line reason and no request', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['qr', '--user', 'abc', '--store', '2'], /--user.*'abc'.*positive integer/],
      [['qr', '--user', '0', '--store', '2'], /--user.*'0'.*positive integer/],
      [['qr', '--user', '17'], /required option '--store/],
      [['listen', '--user', '17', '--store', '2', '--count', '-1'], /--count/],
      [['scan', '--key', 'k'], /TOKEN/],
      [['scan', 'SPXYZ'], /required option '--key/],
      [['scan', 'SPXYZ', '--key', 'k', '--idempotency-key', 'has space'], /--idempotency-key/],
      [['scan', '--key', 'k', '--image', join(dir, 'missing.png')], /cannot read .*missing\.png/],
      [['scan', '--key', 'k', '--image', join(root, 'package.json')], /package\.json is not a PNG image/],
      [['--server', 'ftp://example.com', 'qr', '--user', '1', '--store', '1'], /--server must be an http\(s\) URL/],
      [['qr', '--user', '17', '--store', '2', '--colour'], /unknown option '--colour'/],
    ];
    for (const [args, reason] of cases) {
      const out = await run(args[0] === '--server' ? args : ['--server', srv.url, ...args]);
      expect(out.code, args.join(' ')).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(/^scanpush: [^\n]+\n$/);
      expect(out.stderr).toMatch(reason);
    }
    expect(await remaining()).toBe(10);
  });
});

describe('scanpush staff-qr', () => {
  it('draws the staff binding QR: the PNG decodes to the URL the mini-program’s bind page accepts', async () => {
    const png = join(dir, 'staff.png');
    const out = await run(['--server', srv.url, 'staff-qr', '--png', png], { SCANPUSH_MERCHANT_KEY: srv.demoMerchantKey });
    expect(out.code, out.stderr).toBe(0);
    const url = `${srv.url}/staff/bind#${srv.demoMerchantKey}`;
    expect(out.stdout).toContain(`\n${url}\n`);
    expect(out.stdout).toContain(`q=${encodeURIComponent(url)}\n`);
    expect(await decodeQrPng(png)).toBe(url);
    expect(parseStaffBinding(url, srv.url)).toEqual({ ok: true, binding: { kind: 'key', key: srv.demoMerchantKey } });
  });

  it('refuses a malformed key in one line', async () => {
    const out = await run(['--server', srv.url, 'staff-qr', '--key', 'spk_1_short']);
    expect(out).toMatchObject({ code: 1, stdout: '' });
    expect(out.stderr).toMatch(/^scanpush: --key must be a staff key[^\n]*\n$/);
  });
});

describe('scanpush listen', () => {
  it('prints a new result once, then exits after --count; history from before it started is not printed', async () => {
    const member = await newMember(5);
    expect((await scanAs(member)).code).toBe(0);
    const listen = start(['--server', srv.url, 'listen', '--user', String(member), '--store', '2', '--count', '1']);
    await listen.waitFor('stderr', /^connected$/m);
    const scanned = await scanAs(member);
    expect(scanned.stdout).toMatch(/剩余次数: 3/);
    expect(await listen.ended()).toEqual({ code: 0, stdout: '0_扣费成功_剩余次数: 3\n', stderr: 'connected\n' });
  });

  it('--after replays retained results, as JSON lines with --json', async () => {
    const member = await newMember(5);
    await scanAs(member);
    await scanAs(member);
    const out = await run(['--server', srv.url, 'listen', '--user', String(member), '--store', '2', '--after', '1', '--count', '1', '--json']);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ type: 'result', seq: 2, remaining: 3, text: '0_扣费成功_剩余次数: 3' })]);
  });

  it('--epoch with --after resumes from a kept position: what came after it, or everything retained in another history', async () => {
    const member = await newMember(5);
    await scanAs(member);
    const first = await run(['--server', srv.url, 'listen', '--user', String(member), '--store', '2', '--after', '0', '--count', '1', '--json']);
    const { epoch } = JSON.parse(first.stdout.trim().split('\n')[0]!) as { epoch: string };
    await scanAs(member);
    await scanAs(member);
    const resumed = await run(['--server', srv.url, 'listen', '--user', String(member), '--store', '2', '--epoch', epoch, '--after', '1', '--count', '2', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([2, 3]);
    // Seq 3 of another history says nothing of this one's 1..3: all three are printed.
    const other = await run(['--server', srv.url, 'listen', '--user', String(member), '--store', '2', '--epoch', 'another-history', '--after', '3', '--count', '3', '--json']);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([1, 2, 3]);
    const alone = await run(['--server', srv.url, 'listen', '--user', String(member), '--store', '2', '--epoch', epoch]);
    expect(alone).toMatchObject({ code: 1, stderr: expect.stringMatching(/--epoch needs --after/) });
  });

  it('speaks the text dialect with --text', async () => {
    const member = await newMember(5);
    const listen = start(['--server', srv.url, 'listen', '--user', String(member), '--store', '2', '--text', '--count', '1']);
    await listen.waitFor('stderr', /^connected$/m);
    await scanAs(member);
    expect(await listen.ended()).toEqual({ code: 0, stdout: '0_扣费成功_剩余次数: 4\n', stderr: 'connected\n' });
  });

  it('reconnects after the connection drops and resumes: a result pushed in the gap is printed exactly once', async () => {
    const member = await newMember(5);
    const proxy = await startTcpProxy(srv.port);
    const listen = start(['--server', proxy.url, 'listen', '--user', String(member), '--store', '2', '--count', '3']);
    await listen.waitFor('stderr', /^connected$/m);
    await scanAs(member);
    await listen.waitFor('stdout', /剩余次数: 4\n/);
    const gapQr = await mintQr(srv.url, await devLogin(srv.url, member));
    // The network drops the connection (no close frame: 1006), and a scan commits before the CLI can
    // have reconnected (its first retry waits at least 250 ms).
    proxy.dropAll();
    expect((await scan(srv.url, srv.demoMerchantKey, gapQr)).status).toBe(200);
    expect(listen.stdout).toBe('0_扣费成功_剩余次数: 4\n');
    await listen.waitFor('stderr', /reconnecting/);
    await listen.waitFor('stderr', /^connected\n[^]*^connected\n/m);
    await scanAs(member);
    const out = await listen.ended();
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(['0_扣费成功_剩余次数: 4', '0_扣费成功_剩余次数: 3', '0_扣费成功_剩余次数: 2', ''].join('\n'));
    expect(out.stderr).toMatch(/^scanpush: 1006 connection lost; reconnecting in \d+\.\d s$/m);
    await proxy.close();
  });

  it('stops without reconnecting when the session is revoked (close 4001)', async () => {
    const member = await newMember(1);
    const listen = start(['--server', srv.url, 'listen', '--user', String(member), '--store', '2']);
    await listen.waitFor('stderr', /^connected$/m);
    const revoked = await api(srv.url, `/api/admin/members/${member}/revoke-sessions`, { token: srv.adminToken, body: {} });
    expect(revoked.status).toBe(200);
    const out = await listen.ended();
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('connected\nscanpush: socket closed by the server: 4001 session revoked or expired\n');
  });

  it('refused upgrades end with the reason and exit 1', async () => {
    const other = await newMember(1);
    const cases: Array<[string[], RegExp]> = [
      [['--user', '17', '--store', '2', '--token', 'nope'], /^scanpush: socket refused: 401 UNAUTHORIZED: .+\n$/],
      [['--user', '17', '--store', '2', '--token', await devLogin(srv.url, other)], /^scanpush: socket refused: 403 FORBIDDEN: .+\n$/],
      [['--user', '17', '--store', '999'], /^scanpush: socket refused: 404 NOT_FOUND: .+\n$/],
    ];
    for (const [args, reason] of cases) {
      const out = await run(['--server', srv.url, 'listen', ...args]);
      expect(out.code, args.join(' ')).toBe(1);
      expect(out.stderr).toMatch(reason);
    }
  });
});
