/**
 * A full garbage collection of the server, asked from outside: the server runs with `--inspect` on a
 * loopback port the bench chose, and the bench sends `HeapProfiler.collectGarbage` over the inspector's
 * WebSocket. Nothing in the server's code changes; without it, "heap used" is wherever the collector
 * happened to be, tens of MiB apart from one reading to the next.
 */
import { createServer } from 'node:net';
import WebSocket from 'ws';

const TIMEOUT_MS = 30_000;

/** A free loopback port for the server's inspector (free when asked: the server takes it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The node flag that opens the inspector on `port`, loopback only. */
export const inspectFlag = (port: number): string => `--inspect=127.0.0.1:${port}`;

/** Runs a full collection in the process whose inspector listens on `port`; resolves when it is done. */
export async function collectGarbage(port: number): Promise<void> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl?: string }>;
  const url = list[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`the inspector on port ${port} lists no target`);
  const ws = new WebSocket(url, { perMessageDeflate: false });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the inspector did not answer collectGarbage within 30 s')), TIMEOUT_MS);
      ws.once('error', reject);
      ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
      ws.on('message', (data) => {
        const reply = JSON.parse(String(data)) as { id?: number; error?: { message?: string } };
        if (reply.id !== 1) return;
        clearTimeout(timer);
        if (reply.error) reject(new Error(`collectGarbage: ${reply.error.message ?? 'failed'}`));
        else resolve();
      });
    });
  } finally {
    ws.close();
  }
}
