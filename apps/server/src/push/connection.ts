import type { CloseName } from '@scanpush/shared';
import type { DeliveryConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { StreamStore } from '../storage/streams.js';
import { closeSocket } from './close-socket.js';
import type { DeliveryMarks } from './delivery-marks.js';
import type { Dialect } from './dialect.js';
import { Outgoing } from './outgoing.js';
import { TokenBucket } from '../core/token-bucket.js';
import { entriesAfter, planReplay, type ResumePosition } from './stream-reader.js';
import type { UpgradeGrant } from './upgrade.js';

/** The little of a WebSocket a connection uses; ws's WebSocket has it, tests pass fakes. */
export interface PushSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  ping(): void;
  pong(data: Buffer): void;
  terminate(): void;
}

/** `readyState` of an open socket (WebSocket.OPEN). */
export const OPEN = 1;

export type PushMetrics = Pick<Metrics, 'disconnects' | 'pushesSent' | 'pushesReplayed' | 'gapFills'>;

/** What every connection shares; given by the hub. */
export interface ConnectionContext {
  streams: StreamStore;
  /** `streams.epoch()`, read once: it does not change while the process has the database open. */
  epoch: string;
  marks: DeliveryMarks;
  metrics: PushMetrics;
  logger: Logger;
  now: () => number;
  delivery: DeliveryConfig;
  /** Takes the connection out of the registry and the heartbeat. Called once or more as it leaves. */
  release(conn: Connection): void;
}

const SETTLED: Promise<void> = Promise.resolve();

/**
 * One member socket: one stream, (member, store) from its path. It merges what storage replays with
 * what the broker announces so that the socket receives the stream in seq order:
 *
 * - `last` is the highest seq written to this socket. Until it is known (a replay, or the head read at
 *   connect for a live-only socket) broker events are held, as they are while storage is being read.
 * - A broker event is a hint. One at or below `last` is a duplicate and is dropped; `last + 1` is
 *   written; anything else (a gap, another epoch) makes the connection read the stream after `last`
 *   from storage and write what it finds, holding later events meanwhile. Nothing is dropped for
 *   arriving out of order: storage holds every committed entry.
 * - Every seq is written at most once per socket, except that a resume asks for everything after the
 *   client's position, which may repeat what this socket already carried (clients dedupe by position).
 */
export class Connection {
  readonly memberId: number;
  readonly storeId: number;
  readonly sessionId: number;
  readonly tokenHash: string;
  /** Answered the last ping; false between a ping and its pong. */
  alive = true;
  /** Why the server ended it; unset when the client or the network did. */
  closedBy: string | undefined;
  private last: number | undefined;
  /** The head read at connect, where a live-only structured socket starts. */
  private connectHead: number | undefined;
  /** Broker events waiting for storage work to end; made when the first one waits. */
  private held: Outgoing[] | undefined;
  private tasks = 0;
  private chain = SETTLED;
  /** Made on the first inbound frame: text clients, most sockets, never send one. */
  private bucket: TokenBucket | undefined;
  private resumeTimer: NodeJS.Timeout | undefined;
  private ended = false;
  private closeWaiters: Array<() => void> | undefined;
  /** The resume given in the socket URL, until `start` hands it to the dialect. */
  private urlResume: ResumePosition | undefined;

  constructor(
    grant: UpgradeGrant,
    readonly socket: PushSocket,
    readonly dialect: Dialect,
    private readonly ctx: ConnectionContext,
  ) {
    this.memberId = grant.memberId;
    this.storeId = grant.storeId;
    this.sessionId = grant.sessionId;
    this.tokenHash = grant.tokenHash;
    this.urlResume = grant.resume;
  }

  /** The highest seq written to this socket; undefined before the connection knows where it stands. */
  get position(): number | undefined {
    return this.last;
  }

  /** Begins the dialect's conversation; called once, after the hub registered the connection. */
  start(): void {
    const resume = this.urlResume;
    this.urlResume = undefined;
    this.dialect.start(this, resume);
  }

  // ---- what the hub and the server call ----

  /** A broker event for this connection's stream (the hub has checked member and store). */
  offer(out: Outgoing): void {
    if (this.tasks > 0 || this.last === undefined) {
      (this.held ??= []).push(out);
      return;
    }
    const { epoch, seq } = out.entry;
    if (epoch === this.ctx.epoch) {
      if (seq <= this.last) return;
      if (seq === this.last + 1) return this.write(out, false);
    }
    // A gap, or an entry of another history: storage says what this stream really holds after `last`.
    this.fill();
  }

  /** An inbound data frame: rate-limited, then the dialect's. */
  receive(data: string, isBinary: boolean): void {
    if (!this.takeFrame()) return;
    // A throw here would leave ws's handler and end the process: whatever a frame does, it costs one socket.
    try {
      this.dialect.receive(this, data, isBinary);
    } catch (err) {
      this.ctx.logger.error({ err, memberId: this.memberId, storeId: this.storeId }, 'a frame broke its handler: socket closed');
      this.close('BAD_FRAME');
    }
  }

  /** The client's ping: answered, from the same budget as data frames (a ping flood is a flood). */
  ping(data: Buffer): void {
    if (this.takeFrame() && this.socket.readyState === OPEN) this.socket.pong(data);
  }

  /** The answer to the heartbeat's ping. */
  pong(): void {
    this.alive = true;
  }

  /** The heartbeat's visit: pings, or terminates a socket that did not answer the previous ping. */
  beat(): void {
    if (!this.alive) {
      this.closedBy ??= 'heartbeat';
      this.ctx.release(this);
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  /** The socket reported an error; it closes itself next (1009 oversized frame, 1002 bad frame). */
  socketError(err: Error): void {
    this.closedBy ??= /max payload/i.test(err.message) ? 'message_too_big' : 'protocol_error';
    this.ctx.logger.debug({ err, memberId: this.memberId }, 'socket error');
  }

  /** The socket is closed, whoever closed it. */
  socketClosed(code: number): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.resumeTimer);
    this.held = undefined;
    this.ctx.release(this);
    this.ctx.metrics.disconnects.inc({ reason: this.closedBy ?? (code === 1006 ? 'abnormal' : 'client') });
    for (const resolve of this.closeWaiters ?? []) resolve();
  }

  /** Resolves once the socket is closed. */
  whenClosed(): Promise<void> {
    if (this.ended) return SETTLED;
    return new Promise((resolve) => (this.closeWaiters ??= []).push(resolve));
  }

  /**
   * Closes with the close code of `why`, after the dialect's bye (closeSocket); the connection leaves
   * the registry at once.
   */
  close(why: CloseName): void {
    this.closedBy ??= why.toLowerCase();
    this.ctx.release(this);
    closeSocket(this.socket, this.dialect, why);
  }

  // ---- what the dialects call ----

  send(frame: string): void {
    if (this.socket.readyState === OPEN) this.socket.send(frame);
  }

  /** Structured: live results only unless a resume comes within `ms`; the head is read meanwhile. */
  awaitResume(ms: number): void {
    this.run(async () => {
      this.connectHead = await this.ctx.streams.head(this.memberId, this.storeId);
    });
    this.resumeTimer = setTimeout(() => this.goLive(), ms);
  }

  /** Ends the wait for a resume; true when the connection was waiting. */
  stopAwaitingResume(): boolean {
    if (this.resumeTimer === undefined) return false;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    return true;
  }

  /** Live results from the head read at connect on; no replay. Does nothing once the position is known. */
  goLive(): void {
    this.stopAwaitingResume();
    this.run(async () => {
      this.last ??= this.connectHead ?? (await this.ctx.streams.head(this.memberId, this.storeId));
    });
  }

  /**
   * Structured resume: every retained entry after the client's position (by the rule of planReplay),
   * then `synced` with the server's position, then live.
   */
  resume(position: ResumePosition): void {
    this.stopAwaitingResume();
    this.run(async () => {
      const { streams, epoch } = this.ctx;
      const plan = await planReplay(streams, this.memberId, this.storeId, position);
      let read = plan.from;
      for await (const batch of entriesAfter(streams, this.memberId, this.storeId, plan.from)) {
        if (this.socket.readyState !== OPEN) return;
        for (const entry of batch) this.write(new Outgoing(entry), true);
        read = batch[batch.length - 1]!.seq;
      }
      // Entries up to the head that the read did not find are pruned: the client moves past them.
      this.last = Math.max(this.last ?? 0, plan.head, read);
      this.send(JSON.stringify({ type: 'synced', epoch, lastSeq: this.last, complete: plan.complete }));
    });
  }

  /**
   * Text: the entries of the last `textReplayMs` that no socket of this stream received (at most
   * `textReplayMax`, the newest), oldest first, once; then live from the head.
   */
  replayUndelivered(): void {
    this.run(async () => {
      const { streams, marks, delivery, now } = this.ctx;
      const head = await streams.head(this.memberId, this.storeId);
      const entries = await streams.undelivered(this.memberId, this.storeId, now() - delivery.textReplayMs, delivery.textReplayMax);
      for (const entry of entries) {
        // Another socket got it a moment ago and its mark is not in storage yet.
        if (!marks.isPending(entry)) this.write(new Outgoing(entry), true);
      }
      this.last = Math.max(this.last ?? 0, head);
    });
  }

  // ---- inside ----

  /** Takes a token for an inbound frame; out of tokens, the socket closes with RATE_LIMITED. */
  private takeFrame(): boolean {
    const { delivery, now } = this.ctx;
    this.bucket ??= new TokenBucket(delivery.frameRatePerSecond, delivery.frameBurst, now());
    if (this.bucket.take(now())) return true;
    this.close('RATE_LIMITED');
    return false;
  }

  private write(out: Outgoing, replayed: boolean): void {
    if (this.socket.readyState !== OPEN) return;
    this.socket.send(this.dialect.frame(out));
    const { seq } = out.entry;
    if (this.last === undefined || seq > this.last) this.last = seq;
    this.ctx.marks.mark(out.entry);
    (replayed ? this.ctx.metrics.pushesReplayed : this.ctx.metrics.pushesSent).inc({ dialect: this.dialect.name });
  }

  /** Reads the stream after `last` and writes what is there, as live results. */
  private fill(): void {
    this.ctx.metrics.gapFills.inc();
    this.run(async () => {
      const { streams } = this.ctx;
      for await (const batch of entriesAfter(streams, this.memberId, this.storeId, this.last ?? 0)) {
        if (this.socket.readyState !== OPEN) return;
        for (const entry of batch) if (entry.seq > (this.last ?? 0)) this.write(new Outgoing(entry), false);
      }
    });
  }

  /** Runs storage work one task at a time; broker events wait in `held` until the last one ends. */
  private run(task: () => Promise<void>): void {
    this.tasks++;
    this.chain = this.chain
      .then(() => (this.ended ? undefined : task()))
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        if (--this.tasks > 0) return;
        // Idle connections hold no promise chain (thousands of sockets, most of them idle).
        this.chain = SETTLED;
        this.drain();
      });
  }

  /** Offers the held events again, lowest seq first; stops if one of them starts a fill. */
  private drain(): void {
    if (this.last === undefined || this.ended || this.held === undefined) return;
    const held = this.held.sort((a, b) => a.entry.seq - b.entry.seq);
    this.held = undefined;
    for (let i = 0; i < held.length; i++) {
      if (this.tasks > 0) {
        this.held = held.slice(i).concat(this.held ?? []);
        return;
      }
      this.offer(held[i]!);
    }
  }

  private fail(err: unknown): void {
    this.ctx.logger.error({ err, memberId: this.memberId, storeId: this.storeId }, 'reading the stream failed');
    // The client resumes on its next connect; 1001 tells it to come back.
    if (!this.ended) this.close('GOING_AWAY');
  }
}
