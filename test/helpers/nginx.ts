import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

/** The shipped template: tests render this very file, never a copy. */
export const NGINX_TEMPLATE = new URL('../../deploy/nginx/scanpush.conf', import.meta.url);
export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

/** The variables `deploy/nginx/scanpush.conf` declares; every one must be given to render it. */
export interface NginxVars {
  SCANPUSH_DOMAIN: string;
  SCANPUSH_HTTPS_LISTEN: string;
  SCANPUSH_HTTP_LISTEN: string;
  SCANPUSH_CERT: string;
  SCANPUSH_CERT_KEY: string;
  SCANPUSH_UPSTREAM: string;
  SCANPUSH_SOCKET_READ_TIMEOUT: string;
}

/** Substitutes `${NAME}` for each variable, as `envsubst` with the list does; throws if one is left. */
export function renderNginxConfig(vars: NginxVars): string {
  let text = readFileSync(NGINX_TEMPLATE, 'utf8');
  for (const [name, value] of Object.entries(vars)) text = text.split(`\${${name}}`).join(value);
  const left = text.match(/\$\{SCANPUSH_[A-Z_]+\}/);
  if (left) throw new Error(`template variable ${left[0]} was not given`);
  return text;
}

/**
 * The rendered config with an upstream of several nodes, as the template's comment tells operators to write
 * it: the template's server line (the first address, its parameters) copied once per further address.
 */
export function withUpstreams(conf: string, addresses: string[]): string {
  const [first, ...others] = addresses;
  if (first === undefined) throw new Error('an upstream needs at least one node');
  const lines = conf.split('\n');
  const at = lines.findIndex((l) => /^\s*server\s/.test(l) && [`server ${first};`, `server ${first} `].some((p) => l.trim().startsWith(p)));
  if (at < 0) throw new Error(`the rendered config has no \`server ${first}\` line`);
  const template = lines[at]!;
  lines.splice(at + 1, 0, ...others.map((address) => template.replace(`server ${first}`, `server ${address}`)));
  return lines.join('\n');
}

export interface Certificates {
  caPem: string;
  certPath: string;
  keyPath: string;
}

/** A throwaway CA and a server certificate it signed for localhost and 127.0.0.1, made with the openssl CLI. */
export function makeCertificates(dir: string): Certificates {
  const p = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=scanpush test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(p('server.ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ].join('\n'));
  openssl('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p('server.pem'), '-days', '2', '-extfile', p('server.ext'));
  return { caPem: readFileSync(p('ca.pem'), 'utf8'), certPath: p('server.pem'), keyPath: p('server.key') };
}

/** A loopback port free at the time of asking. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningNginx {
  httpsPort: number;
  httpPort: number;
  /** Everything nginx wrote to stderr so far (its error log). */
  log(): string;
  /**
   * The access log so far: one line per request with the upstream that took it and the upstream's connect
   * and header times (`-` when nginx never got that far), to tell a hang at nginx from one at a node.
   */
  accessLog(): string;
  stop(): Promise<void>;
}

/**
 * Real nginx in the foreground with its prefix in a temp dir: pid, logs and temp paths all inside it, on
 * loopback ports. `conf` receives the ports and answers the scanpush server block file to include.
 */
export async function startNginx(conf: (ports: { httpsPort: number; httpPort: number }) => string): Promise<RunningNginx> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNginxOnce(conf, await freePort(), await freePort());
    } catch (err) {
      // Another process may take a port between freePort() and nginx's bind.
      if (attempt >= 3 || !/Address already in use/.test(String(err))) throw err;
    }
  }
}

async function startNginxOnce(conf: (ports: { httpsPort: number; httpPort: number }) => string, httpsPort: number, httpPort: number): Promise<RunningNginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'scanpush-nginx-'));
  // Workers run as an unprivileged user when the tests run as root; they must reach the temp paths.
  chmodSync(prefix, 0o755);
  mkdirSync(join(prefix, 'tmp'));
  writeFileSync(join(prefix, 'scanpush.conf'), conf({ httpsPort, httpPort }));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${join(prefix, 'tmp', k)};`);
  writeFileSync(
    join(prefix, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(prefix, 'nginx.pid')};`,
      'error_log stderr warn;',
      'events { worker_connections 512; }',
      'http {',
      `  log_format scanpush_test '$msec $remote_addr "$request" $status upstream=$upstream_addr connect=$upstream_connect_time header=$upstream_header_time total=$request_time';`,
      `  access_log ${join(prefix, 'access.log')} scanpush_test;`,
      ...temp,
      `  include ${join(prefix, 'scanpush.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  if (!existsSync(NGINX_BIN)) throw new Error(`${NGINX_BIN} is missing: run scripts/ensure-system-deps.sh`);
  const child = spawn(NGINX_BIN, ['-p', prefix, '-e', 'stderr', '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitForTls(httpsPort, exited);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    rmSync(prefix, { recursive: true, force: true });
    throw new Error(`nginx did not start: ${(err as Error).message}\n${stderr}`);
  }
  return {
    httpsPort,
    httpPort,
    log: () => stderr,
    accessLog: () => {
      try {
        return readFileSync(join(prefix, 'access.log'), 'utf8');
      } catch {
        return '';
      }
    },
    stop: async () => {
      await stopChild(child, exited);
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // SIGTERM is nginx's fast shutdown: open WebSockets do not hold it up as SIGQUIT's graceful one would.
  child.kill('SIGTERM');
  await exited;
}

/** Resolves once something accepts a TCP connection on the port; rejects if nginx exits first. */
async function waitForTls(port: number, exited: Promise<number | null>): Promise<void> {
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`exited with ${gone}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no TLS listener within 10 s');
}

export interface Answer<T = any> {
  status: number;
  headers: IncomingHttpHeaders;
  body: T;
  text: string;
}

/**
 * One request over http:// or https:// (trusting `ca`), no connection reuse. JSON bodies are sent and,
 * when the answer is JSON, parsed.
 */
export function request<T = any>(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; ca?: string; localAddress?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: init.method ?? (payload === undefined ? 'GET' : 'POST'), headers, agent: false, ca: init.ca, localAddress: init.localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const json = /json/.test(res.headers['content-type'] ?? '') && text !== '';
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: (json ? JSON.parse(text) : text) as T, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
