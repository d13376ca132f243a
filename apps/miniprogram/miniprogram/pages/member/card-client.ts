import { PushClient, systemClock, type ConnectionStatus } from '@scanpush/client';
import { wxConnect } from '@scanpush/client/wx';
import type { ResultMessage, StreamPosition } from '@scanpush/shared';
import type { MemberSession } from '../../lib/session';
import { readPosition, writePosition } from '../../lib/stream-positions';

/** What the member page does with one card's stream. */
export interface CardStreamHandlers {
  /** A result of this card not shown before, in seq order; `replayed`: recorded while not connected. */
  onResult(result: ResultMessage, replayed: boolean): void;
  /** A replay is over. `resynced`: the server's history is another one than the saved position's. */
  onSynced(info: { position: StreamPosition; complete: boolean; resynced: boolean }): void;
  onStatus(status: ConnectionStatus): void;
}

/**
 * The push client of ONE card, not started yet: the member's stream at `storeId`, resumed from the
 * position this phone saved for that card, and saving every position it reaches under that card only.
 * The page holds one such client at a time (WeChat allows five sockets per mini-program, and one is all
 * a page showing one card needs); switching cards stops it and starts the other card's.
 *
 * After `stop()` the client reports nothing more, so nothing of an old card can reach the new one. The
 * caller starts it once it holds it: `start()` already reports a status.
 */
export function createCardClient(server: string, session: MemberSession, storeId: number, handlers: CardStreamHandlers): PushClient {
  return new PushClient({
    connect: wxConnect({ server, memberId: session.memberId, storeId, token: session.token }),
    clock: systemClock,
    position: readPosition(session.memberId, storeId),
    onResult: (result, info) => handlers.onResult(result, info.replayed),
    onSynced: (info) => handlers.onSynced(info),
    // Saved as it moves, so a phone that is killed mid-replay resumes after the last result it showed.
    onPosition: (position) => writePosition(session.memberId, storeId, position),
    onStatus: (status) => handlers.onStatus(status),
    onError: (err) => console.warn('scanpush socket:', err),
  });
}
