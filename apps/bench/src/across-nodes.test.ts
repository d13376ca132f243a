import { describe, expect, it } from 'vitest';
import { parseRedisInfo } from './backing.js';
import { checkPlan } from './limits.js';
import { clusterAddresses, clusterWorkersFor, nodesFor, parseOptions, UsageError, type Options } from './options.js';

const opts = (argv: string[]): Options => {
  const parsed = parseOptions(argv);
  if (parsed === 'help') throw new Error('unexpected help');
  return parsed;
};

describe('the plan across nodes', () => {
  it('puts 100,000 sockets on 6 nodes and 8 client workers, each far below 20,000 open files', () => {
    const o = opts([]);
    expect(o.nodesSockets).toBe(100_000);
    expect(nodesFor(o, o.nodesSockets)).toBe(6);
    expect(clusterWorkersFor(o, o.nodesSockets)).toBe(8);
    expect(clusterAddresses(o, o.nodesSockets)).toBe(50);
    expect(() => checkPlan(100_000, 6, 8, 8, 20_000, 28_232)).not.toThrow();
  });

  it('names what stops a plan: open files per node or worker, ports per source address', () => {
    expect(() => checkPlan(100_000, 5, 8, 8, 20_000, 28_232)).toThrow(/5 nodes would hold 20000 sockets each.*raise --nodes to 6/);
    expect(() => checkPlan(100_000, 6, 4, 8, 20_000, 28_232)).toThrow(/4 client workers would hold 25000.*raise --workers to 6/);
    expect(() => checkPlan(100_000, 6, 8, 3, 20_000, 28_232)).toThrow(/3 source addresses would each need 33334 ephemeral ports; 28232.*raise --addresses to 4/);
  });
});

describe('options of the workloads across nodes', () => {
  it('leaves them out of the default set and expands --only nodes', () => {
    expect(opts([]).only).not.toContain('nodes-capacity');
    expect(opts(['--only', 'latency,nodes']).only).toEqual(['latency', 'nodes-capacity', 'nodes-latency', 'pg-closed']);
  });

  it('refuses URLs of the wrong kind', () => {
    expect(() => opts(['--pg-url', 'mysql://x'])).toThrow(UsageError);
    expect(() => opts(['--redis-url', 'http://x'])).toThrow(/--redis-url must be a redis:\/\/ URL/);
  });
});

describe('parseRedisInfo', () => {
  it('reads the fields the bench uses from INFO text', () => {
    const text = '# Server\r\nprocess_id:2221\r\n# Clients\r\nconnected_clients:7\r\n# Memory\r\nused_memory:1063648\r\nused_memory_rss:7090176\r\n# Stats\r\npubsub_channels:2\r\n# CPU\r\nused_cpu_sys:1.5\r\nused_cpu_user:2.25\r\n';
    expect(parseRedisInfo(text)).toEqual({ usedMemory: 1_063_648, usedMemoryRss: 7_090_176, cpuSeconds: 3.75, connectedClients: 7, pubsubChannels: 2, pid: 2221 });
  });

  it('refuses INFO without a field it needs', () => {
    expect(() => parseRedisInfo('used_memory:1\r\n')).toThrow(/no numeric used_memory_rss/);
  });
});
