import { NO_POSITION, decodeResult, isEpoch, isSeq, type ResultMessage, type StreamPosition } from '@scanpush/shared';
import { load, save } from './storage.js';

/**
 * What the console keeps of one member stream (one member at one store) across visits: the position to
 * resume from and the results shown, saved together so they never disagree. One record per store: a
 * switch of store resumes that store's stream where the page left it.
 */
export interface StreamRecord {
  position: StreamPosition;
  /** Newest first. */
  results: ResultMessage[];
}

function key(memberId: number, storeId: number): string {
  return `stream.${memberId}.${storeId}`;
}

/** The saved record, or an empty one when there is none or it cannot be read (then the stream starts over). */
export function loadStream(memberId: number, storeId: number): StreamRecord {
  const empty: StreamRecord = { position: { ...NO_POSITION }, results: [] };
  let json: unknown;
  try {
    json = JSON.parse(load(key(memberId, storeId)) ?? 'null');
  } catch {
    return empty;
  }
  const record = json as { position?: { epoch?: unknown; seq?: unknown }; results?: unknown } | null;
  const epoch = record?.position?.epoch;
  const seq = record?.position?.seq;
  if (!isEpoch(epoch) || !isSeq(seq) || !Array.isArray(record?.results)) return empty;
  const results: ResultMessage[] = [];
  for (const item of record.results) {
    const decoded = typeof item === 'object' && item !== null ? decodeResult(item as Record<string, unknown>) : undefined;
    if (decoded?.ok && decoded.value.epoch === epoch && decoded.value.seq <= seq) results.push(decoded.value);
  }
  return { position: { epoch, seq }, results };
}

export function saveStream(memberId: number, storeId: number, record: StreamRecord): void {
  save(key(memberId, storeId), JSON.stringify(record));
}
