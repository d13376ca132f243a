import { NO_POSITION, isEpoch, isSeq, type StreamPosition } from '@scanpush/shared';

// A stream is one member's results at ONE store (see packages/shared/src/position.ts), so the phone keeps
// one position per (member, store): a result at store B never moves the position of A's card.
function positionKey(memberId: number, storeId: number): string {
  return `scanpush.position.${memberId}.${storeId}`;
}

/** Where this phone stands in the member's stream at `storeId`; the start when it has never watched it. */
export function readPosition(memberId: number, storeId: number): StreamPosition {
  const stored: unknown = wx.getStorageSync(positionKey(memberId, storeId));
  if (!stored || typeof stored !== 'object') return { ...NO_POSITION };
  const { epoch, seq } = stored as Partial<StreamPosition>;
  // Anything else (an edited or half-written value) starts the stream over: the server then replays what
  // it retains, which the page shows as old news rather than losing a result.
  return isEpoch(epoch) && isSeq(seq) ? { epoch, seq } : { ...NO_POSITION };
}

/** Saves the position of one card's stream, as the client reports it after each result and each sync. */
export function writePosition(memberId: number, storeId: number, position: StreamPosition): void {
  wx.setStorageSync(positionKey(memberId, storeId), { epoch: position.epoch, seq: position.seq });
}

/**
 * Drops what scanpush.v1 kept: one seq per member, counted across stores and without an epoch. It means
 * nothing in v2's streams, and left behind it would only take up storage.
 */
export function forgetLegacySeq(memberId: number): void {
  wx.removeStorageSync(`scanpush.seq.${memberId}`);
}
