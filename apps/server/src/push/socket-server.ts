import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  CLOSE_CODES,
  STRUCTURED_SUBPROTOCOL,
  decodeClientMessage,
  encodeMessage,
  type ClientMessage,
  type CloseName,
  type ResultMessage,
} from '@scanpush/shared';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { DeliveryConfig } from '../config.js';
import { readMissed } from '../core/replay.js';
import { resultFromOutbox } from '../core/results.js';
import type { Repository } from '../db/repository.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Broker, PushEvent } from './broker.js';
import { DeliveryMarks } from './delivery-marks.js';
import { TokenBucket } from './rate-limit.js';
import { ConnectionRegistry } from './registry.js';
import { Sweep } from './sweep.js';
import { authorizeUpgrade, refuseUpgrade, type UpgradeGrant } from './upgrade.js';

/** Largest inbound frame; clients only send small control frames. A larger one closes with 1009. */
const MAX_FRAME_BYTES = 4096;
/** Rows read per replay query; a longer gap is read in several. */
const REPLAY_BATCH = 200;
/** A structured client that sends no resume within this time gets live results only. */
const RESUME_WAIT_MS = 2000;
/** Heartbeat pings go out in slices this often: 10,000 sockets every 25 s are 8 pings a tick, well under a millisecond. */
const HEARTBEAT_TICK_MS = 20;

interface Connection extends UpgradeGrant {
  ws: WebSocket;
  dialect: 'text' | 'structured';
  alive: boolean;
  /** The highest seq written to this socket (replay and live), so nothing is written twice. */
  sentSeq: number;
  /**
   * Live results that arrived while the socket was not live yet: waiting for the structured client's
   * resume, or while a replay is read. Null once live. Keeps every socket's stream in seq order.
   */
  held: PushEvent[] | null;
  resumeTimer?: NodeJS.Timeout;
  /** Made on the first inbound frame: text clients, most sockets, never send one. */
  bucket?: TokenBucket;
  /** Why the server closed it; unset when the client or the network did. */
  closedBy?: string;
}

export interface SocketServerDeps {
  repo: Repository;
  broker: Broker;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  heartbeatMs: number;
  delivery: DeliveryConfig;
}

/**
 * The member push endpoint at `/webSocket/{userId}/{carwashId}`: authenticates upgrades, keeps the
 * connection registry, replays what a member missed, fans out committed results from the broker and
 * runs heartbeats.
 *
 * Ordering: each socket receives its results in seq order, each at most once (replay and live are
 * merged through `held` and `sentSeq`).
 */
export class SocketServer {
  readonly registry: ConnectionRegistry<Connection>;
  private readonly wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_FRAME_BYTES,
    // Pushes are a few hundred bytes: compression costs memory per socket and CPU per frame for nothing.
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has(STRUCTURED_SUBPROTOCOL) ? STRUCTURED_SUBPROTOCOL : false),
  });
  private readonly marks: DeliveryMarks;
  private readonly heartbeat: Sweep<Connection>;
  private readonly unsubscribe: () => void;
  private closing = false;

  constructor(private readonly deps: SocketServerDeps) {
    this.registry = new ConnectionRegistry<Connection>(deps.delivery.maxSocketsPerStore);
    this.marks = new DeliveryMarks(deps.repo, deps.now, (err) => deps.logger.error({ err }, 'marking deliveries failed'));
    this.unsubscribe = deps.broker.subscribe((event) => this.deliver(event));
    this.heartbeat = new Sweep(deps.heartbeatMs, (conn) => this.beat(conn), HEARTBEAT_TICK_MS);
  }

  /** The `upgrade` listener of the HTTP server. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Until ws takes the socket over (it adds its own listener). Removed then: its closure shares a
    // context with `req`, and kept, it held every socket's upgrade request alive (1.2 KB each).
    const onError = () => socket.destroy();
    socket.on('error', onError);
    if (this.closing) return refuseUpgrade(socket, 503, 'UNAVAILABLE', 'Server is shutting down');
    authorizeUpgrade(req, this.deps.repo, this.deps.now()).then(
      (decision) => {
        if (!decision.ok) {
          this.deps.metrics.upgradeRefusals.inc({ status: String(decision.status) });
          return refuseUpgrade(socket, decision.status, decision.code, decision.message);
        }
        if (socket.destroyed || this.closing) return socket.destroy();
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          socket.off('error', onError);
          this.accept(ws, decision.grant);
        });
      },
      (err: unknown) => {
        this.deps.logger.error({ err }, 'upgrade failed');
        refuseUpgrade(socket, 500, 'INTERNAL', 'Internal error');
      },
    );
  };

  private accept(ws: WebSocket, grant: UpgradeGrant): void {
    const { metrics, logger } = this.deps;
    const conn: Connection = {
      ...grant,
      ws,
      dialect: ws.protocol === STRUCTURED_SUBPROTOCOL ? 'structured' : 'text',
      alive: true,
      sentSeq: 0,
      held: [],
    };
    metrics.connects.inc({ dialect: conn.dialect });
    for (const old of this.registry.add(conn.memberId, conn.storeId, conn)) this.close(old, 'REPLACED');
    this.heartbeat.add(conn);
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data, isBinary) => this.onFrame(conn, data, isBinary));
    ws.on('error', (err) => {
      // ws closes the socket itself after an error (1009 for an oversized frame, 1002 for a bad one).
      conn.closedBy ??= /max payload/i.test(err.message) ? 'message_too_big' : 'protocol_error';
      logger.debug({ err, memberId: conn.memberId }, 'socket error');
    });
    ws.on('close', (code) => {
      clearTimeout(conn.resumeTimer);
      this.registry.remove(conn.memberId, conn.storeId, conn);
      this.heartbeat.delete(conn);
      metrics.disconnects.inc({ reason: conn.closedBy ?? (code === 1006 ? 'abnormal' : 'client') });
    });

    if (conn.dialect === 'text') void this.replayText(conn);
    else if (conn.after !== undefined) void this.replayStructured(conn, conn.after);
    else conn.resumeTimer = setTimeout(() => this.goLive(conn), RESUME_WAIT_MS);
  }

  private onFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    const { delivery, now } = this.deps;
    conn.bucket ??= new TokenBucket(delivery.frameRatePerSecond, delivery.frameBurst, now());
    if (!conn.bucket.take(now())) return this.close(conn, 'RATE_LIMITED');
    // The seed's clients may send anything (some send "ping" strings); nothing in it is for the server.
    if (conn.dialect === 'text') return;
    if (isBinary) return this.close(conn, 'BAD_FRAME');
    const decoded = decodeClientMessage(String(data));
    if (!decoded.ok) return this.close(conn, 'BAD_FRAME');
    this.onMessage(conn, decoded.value);
  }

  private onMessage(conn: Connection, message: ClientMessage): void {
    const awaitingResume = conn.resumeTimer !== undefined;
    if (awaitingResume) {
      clearTimeout(conn.resumeTimer);
      conn.resumeTimer = undefined;
    }
    switch (message.type) {
      case 'resume':
        void this.replayStructured(conn, message.after);
        return;
      case 'ping':
        conn.ws.send(encodeMessage(message.id === undefined ? { type: 'pong' } : { type: 'pong', id: message.id }));
        break;
      case 'ack':
        this.deps.metrics.acks.inc();
        break;
    }
    if (awaitingResume) this.goLive(conn);
  }

  /** Text dialect: results no socket received lately, oldest first, then live. */
  private async replayText(conn: Connection): Promise<void> {
    const { repo, delivery, now, metrics } = this.deps;
    try {
      const rows = await repo.undelivered(conn.memberId, conn.storeId, now() - delivery.textReplayMs, delivery.textReplayMax);
      for (const row of rows) {
        // Another socket got it a moment ago and its mark is not written yet.
        if (row.seq <= conn.sentSeq || this.marks.isPending(row.memberId, row.seq)) continue;
        const { text } = resultFromOutbox(row);
        conn.ws.send(text);
        conn.sentSeq = row.seq;
        this.marks.mark(row.memberId, row.seq);
        metrics.pushesReplayed.inc({ dialect: 'text' });
      }
    } catch (err) {
      return this.failReplay(conn, err);
    }
    this.goLive(conn);
  }

  /** Structured dialect: everything after `after` for this store, then `synced`, then live. */
  private async replayStructured(conn: Connection, after: number): Promise<void> {
    conn.held ??= [];
    const { repo, metrics } = this.deps;
    try {
      let cursor = after;
      let complete = true;
      let head = 0;
      for (;;) {
        const batch = await readMissed(repo, conn.memberId, cursor, REPLAY_BATCH, conn.storeId);
        if (cursor === after) complete = batch.complete;
        head = Math.max(head, batch.lastSeq);
        for (const result of batch.results) {
          if (this.sendResult(conn, result)) {
            this.marks.mark(result.memberId, result.seq);
            metrics.pushesReplayed.inc({ dialect: 'structured' });
          }
          cursor = result.seq;
        }
        if (!batch.more || conn.ws.readyState !== conn.ws.OPEN) break;
      }
      // The member's head, not the client's `after`: after a restore from a backup the client may claim
      // seqs this server never issued, and must learn to continue from the lower head.
      const lastSeq = Math.max(head, conn.sentSeq);
      conn.ws.send(encodeMessage({ type: 'synced', lastSeq, complete }));
    } catch (err) {
      return this.failReplay(conn, err);
    }
    this.goLive(conn);
  }

  private failReplay(conn: Connection, err: unknown): void {
    this.deps.logger.error({ err, memberId: conn.memberId }, 'replay failed');
    // The client resumes on its next connect; closing with 1001 tells it to come back.
    this.close(conn, 'GOING_AWAY');
  }

  /** Writes the results held during the replay (those not already written) and switches to live. */
  private goLive(conn: Connection): void {
    clearTimeout(conn.resumeTimer);
    conn.resumeTimer = undefined;
    const held = conn.held ?? [];
    conn.held = null;
    for (const event of held) this.writeLive(conn, event);
  }

  private sendResult(conn: Connection, message: ResultMessage, encoded?: string): boolean {
    if (message.seq <= conn.sentSeq || conn.ws.readyState !== conn.ws.OPEN) return false;
    conn.sentSeq = message.seq;
    conn.ws.send(encoded ?? encodeMessage(message));
    return true;
  }

  private writeLive(conn: Connection, event: PushEvent, json?: string): string | undefined {
    if (conn.dialect === 'text') {
      if (event.result.seq <= conn.sentSeq || conn.ws.readyState !== conn.ws.OPEN) return json;
      conn.sentSeq = event.result.seq;
      conn.ws.send(event.result.text);
    } else {
      const message: ResultMessage = { type: 'result', ...event.result };
      json ??= encodeMessage(message);
      if (!this.sendResult(conn, message, json)) return json;
    }
    this.deps.metrics.pushesSent.inc({ dialect: conn.dialect });
    this.marks.mark(event.memberId, event.result.seq);
    return json;
  }

  /** Fans a committed result out to the member's sockets at that store; the JSON form built once. */
  private deliver(event: PushEvent): void {
    const sockets = this.registry.get(event.memberId, event.storeId);
    if (sockets.size === 0) return;
    let json: string | undefined;
    for (const conn of sockets) {
      if (conn.held) conn.held.push(event);
      else json = this.writeLive(conn, event, json);
    }
    this.deps.metrics.pushLatency.observe(Number(process.hrtime.bigint() - event.committedAt) / 1e9);
  }

  /** Pings a socket, once per heartbeat period; one that did not answer the previous ping is terminated. */
  private beat(conn: Connection): void {
    if (!conn.alive) {
      conn.closedBy = 'heartbeat';
      this.registry.remove(conn.memberId, conn.storeId, conn);
      this.heartbeat.delete(conn);
      conn.ws.terminate();
      return;
    }
    conn.alive = false;
    conn.ws.ping();
  }

  private close(conn: Connection, why: CloseName): void {
    const { code, reason } = CLOSE_CODES[why];
    this.registry.remove(conn.memberId, conn.storeId, conn);
    conn.closedBy ??= why.toLowerCase();
    conn.ws.close(code, reason);
  }

  /** Closes the member's sockets opened with a session (or all of the member's); for revocations. */
  closeMember(memberId: number, sessionId?: number): number {
    let n = 0;
    for (const conn of [...this.registry.ofMember(memberId)]) {
      if (sessionId !== undefined && conn.sessionId !== sessionId) continue;
      this.close(conn, 'SESSION_REVOKED');
      n++;
    }
    return n;
  }

  /** Stops accepting, closes every socket with 1001 so clients reconnect elsewhere, writes pending marks. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.heartbeat.stop();
    this.unsubscribe();
    const all = [...this.registry.all()];
    const closed = all.map(
      (conn) =>
        new Promise<void>((resolve) => {
          if (conn.ws.readyState === conn.ws.CLOSED) return resolve();
          conn.ws.once('close', () => resolve());
          this.close(conn, 'GOING_AWAY');
        }),
    );
    // A client that never answers the close frame is cut off after a moment.
    const timer = setTimeout(() => all.forEach((c) => c.ws.terminate()), 2000);
    await Promise.all(closed);
    clearTimeout(timer);
    await this.marks.flush();
    this.wss.close();
  }
}
