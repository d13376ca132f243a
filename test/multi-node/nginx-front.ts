import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, makeCertificates, renderNginxConfig, startNginx, withUpstreams, type RunningNginx } from '../helpers/nginx.js';

export interface NginxFront {
  /** The proxy's base URL (plain HTTP on loopback, see below). */
  url: string;
  nginx: RunningNginx;
  stop(): Promise<void>;
}

/**
 * Real nginx running the shipped template (deploy/nginx/scanpush.conf) with an upstream of every node,
 * written as the template tells operators to (`withUpstreams`). One addition to the rendered text: the
 * HTTPS server block also listens on a plain-HTTP loopback port, the one the tests use, because the client
 * under test (PushClient's `ws` connector) takes no CA and Node 20 cannot trust one added at run time;
 * TLS through nginx is what test/nginx.test.ts covers. Everything these tests are about — the upstream
 * of several nodes, its failover, the WebSocket and API locations — is the shipped config's.
 */
export async function startNginxFront(upstreams: string[], opts: { readTimeout?: string } = {}): Promise<NginxFront> {
  if (upstreams.length === 0) throw new Error('nginx needs at least one upstream');
  const dir = mkdtempSync(join(tmpdir(), 'scanpush-front-'));
  try {
    const certs = makeCertificates(dir);
    const plainPort = await freePort();
    const nginx = await startNginx((ports) => {
      const httpsListen = `127.0.0.1:${ports.httpsPort}`;
      const text = renderNginxConfig({
        SCANPUSH_DOMAIN: 'localhost',
        SCANPUSH_HTTPS_LISTEN: httpsListen,
        SCANPUSH_HTTP_LISTEN: `127.0.0.1:${ports.httpPort}`,
        SCANPUSH_CERT: certs.certPath,
        SCANPUSH_CERT_KEY: certs.keyPath,
        SCANPUSH_UPSTREAM: upstreams[0]!,
        SCANPUSH_SOCKET_READ_TIMEOUT: opts.readTimeout ?? '75s',
      });
      const listen = `listen ${httpsListen} ssl;`;
      if (!text.includes(listen)) throw new Error(`the nginx template has no \`${listen}\``);
      return withUpstreams(text, upstreams).replace(listen, `${listen}\n    listen 127.0.0.1:${plainPort};`);
    });
    return {
      url: `http://127.0.0.1:${plainPort}`,
      nginx,
      stop: async () => {
        await nginx.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
