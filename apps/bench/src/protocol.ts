/**
 * What the coordinator and its client worker processes say to each other over the fork IPC channel
 * (advanced serialisation, so typed arrays cross as they are). Every command carries an id; the worker
 * answers each with a reply of the same id, in any order.
 */

/**
 * How a member's socket speaks: scanpush's text (the seed's) or structured dialect, or Socket.IO
 * (socketio-client.ts) against the Socket.IO reference server.
 */
export type ClientDialect = 'text' | 'structured' | 'socketio';

/** A member as a client worker needs it. */
export interface ClientMember {
  memberId: number;
  storeId: number;
  token: string;
  /** The node this member's socket goes to, when not the command's `wsUrl` (several server processes). */
  wsUrl?: string;
}

export type Command =
  | {
      op: 'open';
      wsUrl: string;
      members: ClientMember[];
      /** Source addresses to spread sockets over (127.0.0.x), round-robin. */
      localAddresses: string[];
      /** Upgrades in flight at once from this worker. */
      concurrency: number;
      dialect: ClientDialect;
    }
  | { op: 'record' }
  | { op: 'count' }
  | { op: 'collect' }
  | { op: 'status' }
  | { op: 'close' }
  | {
      op: 'poll';
      baseUrl: string;
      members: ClientMember[];
      localAddresses: string[];
      /** Interval polling of GET /api/cards every `intervalMs`; or long-polling GET /api/notifications. */
      mode: { kind: 'interval'; intervalMs: number } | { kind: 'long'; waitSeconds: number };
    }
  | { op: 'poll-stop' };

export type Envelope = Command & { id: number };

export interface OpenReply {
  opened: number;
  failed: number;
  /** The first few distinct failure messages. */
  errors: string[];
}

/**
 * What members learned and when: push frames received on sockets, or a poll answer showing a new
 * remaining count. Parallel arrays; `t` is µs on the shared monotonic clock (clock.ts).
 */
export interface Observations {
  member: Int32Array;
  remaining: Int32Array;
  t: Float64Array;
  /** Frames or answers that carried no remaining count. */
  unparsed: number;
}

export interface StatusReply {
  open: number;
  /** Sockets closed after opening without the worker asking, by close code. */
  unexpectedCloses: Record<string, number>;
}

export interface PollReply extends Observations {
  requests: number;
  errors: number;
  /** Interval polls skipped because that member's previous request had not been answered yet. */
  skipped: number;
  /** Duration of each completed request, µs (long polls: only those answered with results). */
  durations: Float64Array;
}

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
export interface ProgressEvent {
  event: 'progress';
  open: number;
}
