import type { ResultMessage } from '@scanpush/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadStream, saveStream } from './stream-record.js';

// localStorage over a Map: the console's storage module reads `window.localStorage`.
const stored = new Map<string, string>();
beforeEach(() => {
  (globalThis as { window?: unknown }).window = {
    localStorage: {
      getItem: (k: string) => stored.get(k) ?? null,
      setItem: (k: string, v: string) => void stored.set(k, v),
      removeItem: (k: string) => void stored.delete(k),
    },
  };
});
afterEach(() => {
  stored.clear();
  delete (globalThis as { window?: unknown }).window;
});

function result(seq: number, epoch = 'e1', storeId = 2): ResultMessage {
  return { type: 'result', epoch, seq, code: 0, name: 'OK', ok: true, title: '扣费成功', text: `0_扣费成功_剩余次数: ${10 - seq}`, remaining: 10 - seq, memberId: 17, storeId, at: '2026-01-01T00:00:00.000Z' };
}

describe('stream records', () => {
  it('keeps one position and feed per member and store', () => {
    saveStream(17, 2, { position: { epoch: 'e1', seq: 2 }, results: [result(2), result(1)] });
    saveStream(17, 3, { position: { epoch: 'e1', seq: 7 }, results: [result(7, 'e1', 3)] });
    expect(loadStream(17, 2)).toEqual({ position: { epoch: 'e1', seq: 2 }, results: [result(2), result(1)] });
    expect(loadStream(17, 3)).toEqual({ position: { epoch: 'e1', seq: 7 }, results: [result(7, 'e1', 3)] });
    expect(loadStream(18, 2)).toEqual({ position: { epoch: '', seq: 0 }, results: [] });
  });

  it('starts over from nothing when the record cannot be read', () => {
    for (const text of ['not json', 'null', '[]', '{"position":{"epoch":"","seq":3},"results":[]}', '{"position":{"epoch":"e1","seq":-1},"results":[]}', '{"position":{"epoch":"e1","seq":1}}']) {
      stored.set('scanpush.console.stream.17.2', text);
      expect(loadStream(17, 2), text).toEqual({ position: { epoch: '', seq: 0 }, results: [] });
    }
  });

  it('drops saved rows that do not belong to the saved position (another epoch, beyond it, unreadable)', () => {
    stored.set(
      'scanpush.console.stream.17.2',
      JSON.stringify({ position: { epoch: 'e1', seq: 2 }, results: [result(3), result(2), result(2, 'old'), { type: 'result' }, null, result(1)] }),
    );
    expect(loadStream(17, 2).results.map((r) => `${r.epoch}:${r.seq}`)).toEqual(['e1:2', 'e1:1']);
  });
});
