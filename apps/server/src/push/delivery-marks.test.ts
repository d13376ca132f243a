import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeliveryMarks, type EntryKey } from './delivery-marks.js';

function recorder(fail = false) {
  const writes: EntryKey[][] = [];
  return {
    writes,
    streams: {
      async markDelivered(entries: ReadonlyArray<EntryKey>) {
        writes.push([...entries]);
        if (fail) throw new Error('disk full');
      },
    },
  };
}

describe('DeliveryMarks', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the marks of 100 ms together, and answers isPending until they are written', async () => {
    const { writes, streams } = recorder();
    const marks = new DeliveryMarks(streams, () => 0, () => {});
    marks.mark({ memberId: 1, storeId: 2, seq: 1 });
    marks.mark({ memberId: 1, storeId: 2, seq: 2 });
    expect(marks.isPending({ memberId: 1, storeId: 2, seq: 1 })).toBe(true);
    // Another stream of the same member is another key.
    expect(marks.isPending({ memberId: 1, storeId: 3, seq: 1 })).toBe(false);
    await vi.advanceTimersByTimeAsync(99);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([[{ memberId: 1, storeId: 2, seq: 1 }, { memberId: 1, storeId: 2, seq: 2 }]]);
    expect(marks.isPending({ memberId: 1, storeId: 2, seq: 1 })).toBe(false);
  });

  it('writes at once when 1,000 marks are waiting', async () => {
    const { writes, streams } = recorder();
    const marks = new DeliveryMarks(streams, () => 0, () => {});
    for (let seq = 1; seq <= 1000; seq++) marks.mark({ memberId: 1, storeId: 1, seq });
    await vi.advanceTimersByTimeAsync(0);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(1000);
  });

  it('flush writes what is pending now (shutdown) and resolves after the write', async () => {
    const { writes, streams } = recorder();
    const marks = new DeliveryMarks(streams, () => 0, () => {});
    marks.mark({ memberId: 1, storeId: 1, seq: 1 });
    await marks.flush();
    expect(writes).toHaveLength(1);
    await marks.flush(); // nothing left: no empty write
    expect(writes).toHaveLength(1);
  });

  it('reports a failed write and forgets its marks, so the entries may be sent again (at-least-once)', async () => {
    const { streams } = recorder(true);
    const errors: unknown[] = [];
    const marks = new DeliveryMarks(streams, () => 0, (err) => errors.push(err));
    marks.mark({ memberId: 1, storeId: 1, seq: 1 });
    await marks.flush();
    expect(errors).toHaveLength(1);
    expect(marks.isPending({ memberId: 1, storeId: 1, seq: 1 })).toBe(false);
  });
});
