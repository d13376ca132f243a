import { describe, expect, it } from 'vitest';
import { joinScans } from './join.js';
import type { Observations } from './protocol.js';
import { newScanLog } from './scanner.js';

/** Scans (member, remaining, sent at, status) and observations (member, remaining, at), times in µs. */
function fixture(scans: Array<[number, number, number, number]>, seen: Array<[number, number, number]>) {
  const log = newScanLog(scans.length);
  scans.forEach(([m, r, t, status], i) => {
    log.member[i] = m;
    log.remaining[i] = r;
    log.tSend[i] = t;
    log.tDone[i] = t + 500;
    log.status[i] = status;
  });
  const obs: Observations = {
    member: Int32Array.from(seen.map((s) => s[0])),
    remaining: Int32Array.from(seen.map((s) => s[1])),
    t: Float64Array.from(seen.map((s) => s[2])),
    unparsed: 0,
  };
  return { log, obs };
}

describe('joinScans', () => {
  it('pairs each push with its own scan, and counts a push that never came as lost', () => {
    const { log, obs } = fixture(
      [
        [1, 9, 1000, 200],
        [1, 8, 2000, 200],
        [2, 9, 1500, 200],
        [3, 0, 1600, 409], // refused: nothing is owed
      ],
      [
        [1, 8, 2300],
        [2, 9, 1800],
        [2, 9, 1900], // the same result twice
        [5, 1, 100], // nobody's scan
      ],
    );
    const j = joinScans(log, obs, true);
    expect(j).toMatchObject({ succeeded: 3, learned: 2, lost: 1, duplicates: 1, unmatched: 1 });
    expect([...j.latencyUs].sort()).toEqual([300, 300]);
  });

  it('lets one poll answer reveal several scans, but never one from before the scan was sent', () => {
    const { log, obs } = fixture(
      [
        [1, 9, 1000, 200],
        [1, 8, 1100, 200],
      ],
      [
        [1, 10, 900],
        [1, 8, 3000],
      ],
    );
    const j = joinScans(log, obs, false);
    expect(j).toMatchObject({ succeeded: 2, learned: 2, lost: 0 });
    expect([...j.latencyUs]).toEqual([2000, 1900]);
  });
});
