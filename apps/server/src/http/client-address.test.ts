import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { clientAddress, clientAddressFrom, parseTrustedProxies, trustedProxies } from './client-address.js';

function trust(text: string) {
  const parsed = parseTrustedProxies(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return trustedProxies(parsed.value);
}

describe('parseTrustedProxies', () => {
  it('reads addresses and CIDR blocks of both families, in canonical form', () => {
    expect(parseTrustedProxies(' 127.0.0.1, ::1 ,10.0.0.0/8,fd00::/8,::ffff:192.168.1.2, 0.0.0.0/0')).toEqual({
      ok: true,
      value: ['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8', '192.168.1.2', '0.0.0.0/0'],
    });
  });

  it('trusts nobody when blank', () => {
    expect(parseTrustedProxies('')).toEqual({ ok: true, value: [] });
    expect(parseTrustedProxies(' , ')).toEqual({ ok: true, value: [] });
  });

  it.each([
    ['localhost', '"localhost" is not an IP address or CIDR block'],
    ['127.0.0.1,nginx', '"nginx" is not an IP address or CIDR block'],
    ['10.0.0.256', '"10.0.0.256" is not an IP address or CIDR block'],
    ['10.0.0.0/33', '"10.0.0.0/33" needs a prefix length from 0 to 32'],
    // Found by the property test (FC_SEED=-62081284): isIP takes a zone, node's BlockList throws on it.
    ['::100.100.100.0%eth0/0', '"::100.100.100.0%eth0/0": an IPv6 zone (%…) cannot be trusted by address; leave it out'],
    ['fe80::1%eth0', '"fe80::1%eth0": an IPv6 zone (%…) cannot be trusted by address; leave it out'],
    ['::/129', '"::/129" needs a prefix length from 0 to 128'],
    ['10.0.0.0/', '"10.0.0.0/" needs a prefix length from 0 to 32'],
    ['10.0.0.0/8/1', '"10.0.0.0/8/1" is not an IP address or CIDR block'],
    ['10.0.0.0/-1', '"10.0.0.0/-1" needs a prefix length from 0 to 32'],
  ])('refuses %s', (text, reason) => {
    expect(parseTrustedProxies(text)).toEqual({ ok: false, reason });
  });
});

describe('trustedProxies', () => {
  it('matches single addresses, blocks, and IPv4 peers seen on a dual-stack socket', () => {
    const trusted = trust('127.0.0.1,10.1.0.0/16,fd00::/8');
    expect(['127.0.0.1', '::ffff:127.0.0.1', '10.1.200.3', 'fd12::1'].map(trusted)).toEqual([true, true, true, true]);
    expect(['127.0.0.2', '10.2.0.1', '::1', 'fe80::1', 'junk', ''].map(trusted)).toEqual([false, false, false, false, false, false]);
  });
});

describe('clientAddressFrom', () => {
  const nginxOnHost = trust('127.0.0.1,::1');

  it('ignores forwarding headers from a peer that is not trusted', () => {
    expect(clientAddressFrom('203.0.113.9', { forwardedFor: '1.2.3.4', realIp: '5.6.7.8' }, nginxOnHost)).toBe('203.0.113.9');
    expect(clientAddressFrom('127.0.0.1', { forwardedFor: '1.2.3.4' }, trust(''))).toBe('127.0.0.1');
  });

  it('believes a trusted peer, X-Forwarded-For before X-Real-IP', () => {
    expect(clientAddressFrom('127.0.0.1', { forwardedFor: '198.51.100.7', realIp: '5.6.7.8' }, nginxOnHost)).toBe('198.51.100.7');
    expect(clientAddressFrom('::1', { realIp: ' 2001:db8::5 ' }, nginxOnHost)).toBe('2001:db8::5');
    expect(clientAddressFrom('::ffff:127.0.0.1', { forwardedFor: '::ffff:198.51.100.7' }, nginxOnHost)).toBe('198.51.100.7');
  });

  it('walks X-Forwarded-For from the right, stopping at the first hop not trusted', () => {
    const chain = trust('127.0.0.1,10.0.0.0/8');
    // The client wrote 6.6.6.6 itself; 198.51.100.7 reached the 10.x load balancer, which reached nginx.
    expect(clientAddressFrom('127.0.0.1', { forwardedFor: '6.6.6.6, 198.51.100.7, 10.0.0.3' }, chain)).toBe('198.51.100.7');
    expect(clientAddressFrom('127.0.0.1', { forwardedFor: '10.0.0.9,10.0.0.3' }, chain)).toBe('10.0.0.9');
  });

  it('stops at a malformed hop, keeping the proxy that reported it', () => {
    const chain = trust('127.0.0.1,10.0.0.0/8');
    expect(clientAddressFrom('127.0.0.1', { forwardedFor: '198.51.100.7, unknown, 10.0.0.3' }, chain)).toBe('10.0.0.3');
    expect(clientAddressFrom('127.0.0.1', { forwardedFor: '' }, chain)).toBe('127.0.0.1');
    expect(clientAddressFrom('127.0.0.1', { realIp: 'somewhere' }, chain)).toBe('127.0.0.1');
  });

  it('knows nothing without a peer', () => {
    expect(clientAddressFrom(undefined, { forwardedFor: '1.2.3.4' }, nginxOnHost)).toBeUndefined();
  });
});

describe('clientAddress on a real Node server', () => {
  async function serve(trustText: string) {
    const trusted = trust(trustText);
    const app = new Hono().get('/', (c) => c.text(clientAddress(c, trusted) ?? 'unknown'));
    const server = createAdaptorServer({ fetch: app.fetch });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return { app, base, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('takes the peer from the socket and the forwarded address only when the peer is trusted', async () => {
    const trusting = await serve('127.0.0.1');
    const wary = await serve('');
    try {
      const headers = { 'x-forwarded-for': '198.51.100.7' };
      expect(await (await fetch(trusting.base, { headers })).text()).toBe('198.51.100.7');
      expect(await (await fetch(trusting.base)).text()).toBe('127.0.0.1');
      expect(await (await fetch(wary.base, { headers })).text()).toBe('127.0.0.1');
      // In process, without a socket, there is no peer to trust.
      expect(await (await trusting.app.request('/', { headers })).text()).toBe('unknown');
    } finally {
      await trusting.close();
      await wary.close();
    }
  });
});
