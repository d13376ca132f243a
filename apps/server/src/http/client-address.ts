import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** Answers whether a direct peer is a proxy whose forwarding headers may be believed. */
export type TrustedProxies = (address: string) => boolean;

/**
 * Reads TRUST_PROXY: comma-separated IPv4/IPv6 addresses and CIDR blocks (`127.0.0.1,::1,10.0.0.0/8`).
 * Blank trusts nobody. Answers the entries in canonical form (IPv4-mapped IPv6 written as IPv4), or the
 * first bad entry.
 */
export function parseTrustedProxies(text: string): { ok: true; value: string[] } | { ok: false; reason: string } {
  const value: string[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [rawAddress = '', prefix, extra] = entry.split('/');
    const address = unmapped(rawAddress);
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return { ok: false, reason: `"${entry}" is not an IP address or CIDR block` };
    // isIP takes an IPv6 zone (`fe80::1%eth0`) but node's BlockList refuses one: say so here, not at start.
    if (address.includes('%')) return { ok: false, reason: `"${entry}": an IPv6 zone (%…) cannot be trusted by address; leave it out` };
    if (prefix === undefined) {
      value.push(address);
      continue;
    }
    const bits = family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) return { ok: false, reason: `"${entry}" needs a prefix length from 0 to ${bits}` };
    value.push(`${address}/${Number(prefix)}`);
  }
  return { ok: true, value };
}

/** A matcher for entries as `parseTrustedProxies` answers them. */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return (address) => {
    const plain = unmapped(address);
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * The client's address for a request that arrived from `peer`. Forwarding headers count only when the
 * peer is trusted: then X-Forwarded-For is read from the right, each hop believed while the one that
 * reported it is trusted, and the first untrusted hop is the client (all trusted: the leftmost).
 * Without X-Forwarded-For, X-Real-IP. A malformed entry ends the walk at the hop that sent it. Undefined
 * only when the peer is unknown.
 */
export function clientAddressFrom(
  peer: string | undefined,
  headers: { forwardedFor?: string | undefined; realIp?: string | undefined },
  trusted: TrustedProxies,
): string | undefined {
  if (peer === undefined) return undefined;
  let client = unmapped(peer);
  if (!trusted(client)) return client;
  if (headers.forwardedFor !== undefined) {
    const hops = headers.forwardedFor.split(',').map((hop) => unmapped(hop.trim()));
    for (let i = hops.length - 1; i >= 0 && trusted(client); i--) {
      const hop = hops[i] ?? '';
      if (isIP(hop) === 0) break;
      client = hop;
    }
    return client;
  }
  const realIp = unmapped(headers.realIp?.trim() ?? '');
  return isIP(realIp) !== 0 ? realIp : client;
}

/** The client's address of a request served by @hono/node-server; see `clientAddressFrom`. */
export function clientAddress(c: Context, trusted: TrustedProxies): string | undefined {
  return clientAddressFrom(peerAddress(c), { forwardedFor: c.req.header('x-forwarded-for'), realIp: c.req.header('x-real-ip') }, trusted);
}

function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // No Node socket behind the request: app.request() in tests.
    return undefined;
  }
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1] ?? address;
}

/**
 * Whether the browser reached us over TLS: a trusted proxy says so (X-Forwarded-Proto: https, as
 * deploy/nginx sets it). Node itself serves plain HTTP only.
 */
export function cameOverTls(c: Context, trusted: TrustedProxies): boolean {
  const peer = peerAddress(c);
  return peer !== undefined && trusted(unmapped(peer)) && c.req.header('x-forwarded-proto')?.trim().toLowerCase() === 'https';
}
