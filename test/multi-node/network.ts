import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where each node of a test cluster sits on the network, and how a test cuts it off.
 *
 * Preferred (root with CAP_NET_ADMIN): every node in a network namespace of its own, joined to the root
 * namespace by three veth pairs, one per role — `web` (the test and nginx reach the node), `db`
 * (PostgreSQL) and `redis` — each a 10.231.X.Y/30 with the root side at .Y+1 and the node at .Y+2.
 * PostgreSQL and Redis listen on the root-side addresses of their links, and each node is configured with
 * its own link's address, so `ip link set <link> down` cuts one node from one service and nothing else:
 * packets are dropped, no connection is reset, nobody says goodbye — as when a cable or a switch port dies.
 *
 * Fallback (no namespaces): nodes listen on distinct 127.0.0.x addresses, and each node reaches PostgreSQL
 * and Redis through a relay in the test process whose `cut()` stops passing bytes and holds new
 * connections unanswered, which is what the node sees when its link goes down.
 *
 * X (the third octet) is taken under a lock file per run, so parallel test files never share a subnet;
 * every namespace and link is removed by `destroy()`, and on process exit if a test never got there.
 */
export type LinkRole = 'web' | 'db' | 'redis';

export interface NodeLink {
  /** The root side's address on this link (the test, nginx, PostgreSQL, Redis). */
  hostAddress: string;
  /** The node's address on this link. */
  nodeAddress: string;
  /** Where the node must connect to reach `port` of a service listening on `hostAddress`. */
  route(port: number): Promise<{ host: string; port: number }>;
  /** Drops every packet on the link from now on; open connections stay open on both ends. */
  cut(): void;
  restore(): void;
}

export interface NodeNetwork {
  /** The node's name among the nodes: a, b, c… */
  name: string;
  /** The argv prefix that runs a command inside the node's namespace (empty on loopback). */
  exec: string[];
  web: NodeLink;
  db: NodeLink;
  redis: NodeLink;
}

export interface Network {
  kind: 'netns' | 'loopback';
  /** Why namespaces are not used (loopback only). */
  reason: string | undefined;
  nodes: NodeNetwork[];
  /** The root-side addresses a service of this role must listen on, besides 127.0.0.1. */
  serviceAddresses(role: 'db' | 'redis'): string[];
  destroy(): Promise<void>;
}

const ROLES: readonly LinkRole[] = ['web', 'db', 'redis'];
const NAMES = 'abcdefghijklmnopqrstu';
const LOCK_DIR = join(tmpdir(), 'scanpush-netns-locks');
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

/**
 * The network of `count` nodes: namespaces where the machine allows them, else loopback with relays.
 * `SCANPUSH_TEST_NETNS=0` forces the fallback (to test it on a machine that has namespaces).
 */
export async function createNetwork(count: number): Promise<Network> {
  if (count < 1 || count > NAMES.length) throw new Error(`between 1 and ${NAMES.length} nodes, not ${count}`);
  const why = process.env.SCANPUSH_TEST_NETNS === '0' ? 'SCANPUSH_TEST_NETNS=0' : namespacesUnavailable();
  return why ? createLoopbackNetwork(count, why) : createNamespaceNetwork(count);
}

/** Why `ip netns` cannot be used here, or undefined when it can. */
function namespacesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: ip netns and veth pairs need CAP_NET_ADMIN';
  const probe = `scanpush-probe-${process.pid}`;
  try {
    ip('netns', 'add', probe);
  } catch (err) {
    return `ip netns add failed: ${String((err as { stderr?: string }).stderr ?? err).trim()}`;
  }
  try {
    ip('link', 'add', `spp${process.pid % 100000}`, 'type', 'veth', 'peer', 'name', `spq${process.pid % 100000}`);
    ip('link', 'del', `spp${process.pid % 100000}`);
  } catch (err) {
    return `veth pairs cannot be made: ${String((err as { stderr?: string }).stderr ?? err).trim()}`;
  } finally {
    ip('netns', 'del', probe);
  }
  return undefined;
}

async function createNamespaceNetwork(count: number): Promise<Network> {
  const octet = takeSubnet();
  const prefix = `scanpush-ft-${octet}-`;
  const namespaces: string[] = [];
  const hostLinks: string[] = [];
  let destroyed = false;
  const cleanup = () => {
    if (destroyed) return;
    destroyed = true;
    process.off('exit', cleanup);
    removeSubnet(octet, namespaces, hostLinks);
  };
  process.on('exit', cleanup);
  try {
    const nodes = Array.from({ length: count }, (_, i): NodeNetwork => {
      const ns = `${prefix}${NAMES[i]}`;
      ip('netns', 'add', ns);
      namespaces.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      const link = (role: LinkRole, k: number): NodeLink => {
        const base = 4 * (ROLES.length * i + k);
        const host = `spt${octet}${NAMES[i]}${role[0]}`;
        const hostAddress = `10.231.${octet}.${base + 1}`;
        const nodeAddress = `10.231.${octet}.${base + 2}`;
        ip('link', 'add', host, 'type', 'veth', 'peer', 'name', `${host}p`);
        hostLinks.push(host);
        ip('link', 'set', `${host}p`, 'netns', ns);
        ip('-n', ns, 'link', 'set', `${host}p`, 'name', role);
        ip('addr', 'add', `${hostAddress}/30`, 'dev', host);
        ip('link', 'set', host, 'up');
        ip('-n', ns, 'addr', 'add', `${nodeAddress}/30`, 'dev', role);
        ip('-n', ns, 'link', 'set', role, 'up');
        return {
          hostAddress,
          nodeAddress,
          route: async (port) => ({ host: hostAddress, port }),
          cut: () => void ip('link', 'set', host, 'down'),
          restore: () => void ip('link', 'set', host, 'up'),
        };
      };
      return { name: NAMES[i]!, exec: ['ip', 'netns', 'exec', ns], web: link('web', 0), db: link('db', 1), redis: link('redis', 2) };
    });
    return {
      kind: 'netns',
      reason: undefined,
      nodes,
      serviceAddresses: (role) => nodes.map((n) => n[role].hostAddress),
      destroy: async () => cleanup(),
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/**
 * A third octet for 10.231.X.0/24 that no other run holds: a lock directory naming our pid (a dead
 * holder's lock is taken over, its leftovers removed) and no address of the subnet on the machine.
 */
function takeSubnet(): number {
  mkdirSync(LOCK_DIR, { recursive: true });
  for (let attempt = 0; attempt < 64; attempt++) {
    const octet = Math.floor(Math.random() * 256);
    const lock = join(LOCK_DIR, String(octet));
    try {
      mkdirSync(lock);
    } catch {
      if (holderAlive(lock)) continue;
      // A run that died without cleaning up: its namespaces and links go, the lock becomes ours.
      removeSubnet(octet, namespacesOf(octet), linksOf(octet));
      try {
        mkdirSync(lock);
      } catch {
        continue; // another run took it over first
      }
    }
    writeFileSync(join(lock, 'pid'), String(process.pid));
    if (!ip('-4', '-o', 'addr', 'show').includes(`10.231.${octet}.`)) return octet;
    rmSync(lock, { recursive: true, force: true }); // someone else's addresses, not made by this helper
  }
  throw new Error('no free 10.231.X.0/24 subnet found for the test network');
}

function holderAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    // Being created right now, or its run died between the two steps (long ago, then).
    try {
      return Date.now() - statSync(lock).mtimeMs < 60_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const namespacesOf = (octet: number) =>
  ip('netns', 'list').split('\n').map((line) => line.split(' ')[0] ?? '').filter((ns) => ns.startsWith(`scanpush-ft-${octet}-`));
const linksOf = (octet: number) =>
  [...ip('-o', 'link', 'show').matchAll(/^\d+: (spt\d+[a-u][wdr])[@:]/gm)].map((m) => m[1]!).filter((l) => new RegExp(`^spt${octet}[a-u][wdr]$`).test(l));

/** Removes namespaces (their veth ends with them) and the root-side links, then the lock. Synchronous: runs on exit. */
function removeSubnet(octet: number, namespaces: string[], links: string[]): void {
  for (const ns of namespaces) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // already gone
    }
  }
  for (const link of links) {
    try {
      ip('link', 'del', link);
    } catch {
      // deleted with its peer's namespace
    }
  }
  rmSync(join(LOCK_DIR, String(octet)), { recursive: true, force: true });
}

async function createLoopbackNetwork(count: number, reason: string): Promise<Network> {
  const relays: Relay[] = [];
  const nodes = Array.from({ length: count }, (_, i): NodeNetwork => {
    const relayed = (): NodeLink => {
      let relay: Relay | undefined;
      let cut = false;
      return {
        hostAddress: '127.0.0.1',
        nodeAddress: '127.0.0.1',
        route: async (port) => {
          relay = await startRelay(port);
          relays.push(relay);
          if (cut) relay.cut();
          return { host: '127.0.0.1', port: relay.port };
        },
        cut: () => {
          cut = true;
          relay?.cut();
        },
        restore: () => {
          cut = false;
          relay?.restore();
        },
      };
    };
    const webAddress = `127.0.0.${10 + i}`;
    return {
      name: NAMES[i]!,
      exec: [],
      web: {
        hostAddress: '127.0.0.1',
        nodeAddress: webAddress,
        route: async (port) => ({ host: webAddress, port }),
        cut: () => {
          throw new Error('the web link cannot be cut on loopback');
        },
        restore: () => undefined,
      },
      db: relayed(),
      redis: relayed(),
    };
  });
  return {
    kind: 'loopback',
    reason,
    nodes,
    serviceAddresses: () => [],
    destroy: async () => {
      await Promise.all(relays.map((r) => r.close()));
    },
  };
}

interface Relay {
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay to 127.0.0.1:`target` whose `cut()` behaves like a dead link: bytes in either direction
 * are held back (not delivered, no reset), new connections are accepted but not forwarded; `restore()`
 * passes on what was held and forwards again.
 */
async function startRelay(target: number): Promise<Relay> {
  let cut = false;
  const pairs = new Set<[Socket, Socket]>();
  const pending = new Set<Socket>();
  const pipe = (client: Socket) => {
    const upstream = connect(target, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    for (const [a, b] of [pair, [upstream, client] as const]) {
      a.on('error', () => b.destroy());
      a.on('close', () => {
        pairs.delete(pair);
        b.destroy();
      });
      a.pipe(b);
    }
    if (cut) pair.forEach((s) => s.pause());
  };
  const server: Server = createServer((client) => {
    client.on('error', () => client.destroy());
    if (cut) {
      pending.add(client);
      client.pause();
      client.on('close', () => pending.delete(client));
    } else pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      cut = true;
      for (const pair of pairs) pair.forEach((s) => s.pause());
    },
    restore() {
      cut = false;
      for (const pair of pairs) pair.forEach((s) => s.resume());
      for (const client of pending) {
        pending.delete(client);
        pipe(client);
        client.resume();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of pairs) pair.forEach((s) => s.destroy());
        for (const client of pending) client.destroy();
        server.close(() => resolve());
      }),
  };
}
