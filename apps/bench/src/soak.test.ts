import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKLOADS, parseOptions, UsageError, type Options } from './options.js';
import { fit, mulberry32 } from './workloads/soak-probe.js';

const opts = (argv: string[]): Options => {
  const parsed = parseOptions(argv);
  if (parsed === 'help') throw new Error('unexpected help');
  return parsed;
};

describe('the soak options', () => {
  it('leaves the soak out of the default set and takes its length from --soak-seconds or --seconds', () => {
    expect(DEFAULT_WORKLOADS).not.toContain('soak');
    expect(opts(['--only', 'soak']).soakSeconds).toBe(300);
    expect(opts(['--only', 'soak', '--seconds', '45']).soakSeconds).toBe(45);
    expect(opts(['--only', 'soak', '--soak-seconds', '600']).soakSeconds).toBe(600);
    expect(() => opts(['--soak-seconds', '100000'])).toThrow(/--soak-seconds must be a number from 1 to 86400/);
  });

  it('runs a soak alone once unless --runs says otherwise', () => {
    expect(opts(['--only', 'soak']).runs).toBe(1);
    expect(opts(['--only', 'soak', '--runs', '2']).runs).toBe(2);
    expect(opts(['--only', 'soak,latency']).runs).toBe(3);
  });

  it('refuses more sockets than members: each socket is a member of its own', () => {
    expect(() => opts(['--only', 'soak', '--soak-sockets', '2000', '--soak-members', '1000'])).toThrow(UsageError);
    expect(opts(['--only', 'soak', '--soak-sockets', '1000', '--soak-members', '1000']).soakSockets).toBe(1000);
  });
});

describe('fit', () => {
  it('finds the slope of a line exactly, with no error', () => {
    expect(fit([[0, 10], [0.5, 11], [1, 12]])).toEqual({ mibPerHour: 2, stdErr: 0, points: 3 });
  });

  it('gives a flat sawtooth a slope near 0 and a standard error that covers it', () => {
    const points = Array.from({ length: 120 }, (_, i): [number, number] => [i / 720, 20 + (i % 6) * 2]);
    const line = fit(points);
    expect(line).not.toBeNull();
    expect(Math.abs(line!.mibPerHour)).toBeLessThanOrEqual(2 * line!.stdErr + 1);
  });

  it('needs three points and two distinct times', () => {
    expect(fit([[0, 1], [1, 2]])).toBeNull();
    expect(fit([[1, 1], [1, 2], [1, 3]])).toBeNull();
  });
});

describe('mulberry32', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
