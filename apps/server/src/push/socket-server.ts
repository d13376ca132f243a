import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  CLOSE_CODES,
  STRUCTURED_SUBPROTOCOL,
  decodeClientMessage,
  encodeMessage,
  type CloseName,
  type ResultMessage,
} from '@scanpush/shared';
import { WebSocketServer, type WebSocket } from 'ws';
import { resultFromOutbox } from '../core/results.js';
import type { Repository } from '../db/repository.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Broker, PushEvent } from './broker.js';
import { ConnectionRegistry } from './registry.js';
import { authorizeUpgrade, refuseUpgrade, type UpgradeGrant } from './upgrade.js';

/** Largest inbound frame; clients only send small control frames. */
const MAX_FRAME_BYTES = 4096;
/** Most results replayed in one resume; a client further behind resumes again from what it got. */
const REPLAY_LIMIT = 500;

interface Connection extends UpgradeGrant {
  ws: WebSocket;
  dialect: 'text' | 'structured';
  alive: boolean;
  /** Structured: the highest seq written to this socket (replay and live), so nothing goes twice. */
  sentSeq: number;
  /** Structured: live results held while a replay is being read from the database. */
  held: PushEvent[] | null;
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
}

/**
 * The member push endpoint at `/webSocket/{userId}/{carwashId}`: authenticates upgrades, keeps the
 * connection registry, fans out committed results from the broker, runs heartbeats.
 */
export class SocketServer {
  readonly registry = new ConnectionRegistry<Connection>(5);
  private readonly wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_FRAME_BYTES,
    // Pushes are a few hundred bytes: compression costs memory per socket and CPU per frame for nothing.
    perMessageDeflate: false,
    handleProtocols: (offered) => (offered.has(STRUCTURED_SUBPROTOCOL) ? STRUCTURED_SUBPROTOCOL : false),
  });
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private closing = false;

  constructor(private readonly deps: SocketServerDeps) {
    this.unsubscribe = deps.broker.subscribe((event) => this.deliver(event));
    this.heartbeat = setInterval(() => this.beat(), deps.heartbeatMs);
    this.heartbeat.unref();
  }

  /** The `upgrade` listener of the HTTP server. */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    if (this.closing) return refuseUpgrade(socket, 503, 'UNAVAILABLE', 'Server is shutting down');
    authorizeUpgrade(req, this.deps.repo, this.deps.now()).then(
      (decision) => {
        if (!decision.ok) {
          this.deps.metrics.upgradeRefusals.inc({ status: String(decision.status) });
          return refuseUpgrade(socket, decision.status, decision.code, decision.message);
        }
        if (socket.destroyed) return;
        this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, decision.grant));
      },
      (err: unknown) => {
        this.deps.logger.error({ err }, 'upgrade failed');
        refuseUpgrade(socket, 500, 'INTERNAL', 'Internal error');
      },
    );
  };

  private accept(ws: WebSocket, grant: UpgradeGrant): void {
    const conn: Connection = {
      ...grant,
      ws,
      dialect: ws.protocol === STRUCTURED_SUBPROTOCOL ? 'structured' : 'text',
      alive: true,
      sentSeq: 0,
      held: null,
    };
    const { metrics, logger } = this.deps;
    metrics.connects.inc({ dialect: conn.dialect });
    for (const old of this.registry.add(conn.memberId, conn.storeId, conn)) this.close(old, 'REPLACED');
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data, isBinary) => this.onFrame(conn, data, isBinary));
    ws.on('error', (err) => {
      conn.closedBy ??= 'error';
      logger.debug({ err, memberId: conn.memberId }, 'socket error');
    });
    ws.on('close', (code) => {
      this.registry.remove(conn.memberId, conn.storeId, conn);
      metrics.disconnects.inc({ reason: conn.closedBy ?? (code === 1006 ? 'abnormal' : 'client') });
    });
  }

  private onFrame(conn: Connection, data: unknown, isBinary: boolean): void {
    if (conn.dialect === 'text') return; // the seed's clients send nothing the server needs
    if (isBinary) return this.close(conn, 'BAD_FRAME');
    const decoded = decodeClientMessage(String(data));
    if (!decoded.ok) return this.close(conn, 'BAD_FRAME');
    const message = decoded.value;
    switch (message.type) {
      case 'ping':
        conn.ws.send(encodeMessage(message.id === undefined ? { type: 'pong' } : { type: 'pong', id: message.id }));
        return;
      case 'ack':
        this.deps.metrics.acks.inc();
        return;
      case 'resume':
        void this.replay(conn, message.after);
        return;
    }
  }

  /** Sends the member's results after `after` for this store, then `synced`, then whatever was held. */
  private async replay(conn: Connection, after: number): Promise<void> {
    conn.held ??= [];
    try {
      const rows = await this.deps.repo.outboxAfter(conn.memberId, Math.max(after, conn.sentSeq), REPLAY_LIMIT, conn.storeId);
      for (const row of rows) {
        this.sendResult(conn, { type: 'result', ...resultFromOutbox(row), memberId: row.memberId });
        this.deps.metrics.pushesReplayed.inc({ dialect: 'structured' });
      }
      const lastSeq = rows.at(-1)?.seq ?? Math.max(after, conn.sentSeq);
      conn.ws.send(encodeMessage({ type: 'synced', lastSeq, complete: rows.length < REPLAY_LIMIT }));
    } catch (err) {
      this.deps.logger.error({ err, memberId: conn.memberId }, 'replay failed');
      this.close(conn, 'GOING_AWAY');
    } finally {
      const held = conn.held ?? [];
      conn.held = null;
      for (const event of held) this.sendResult(conn, { type: 'result', ...event.result });
    }
  }

  private sendResult(conn: Connection, message: ResultMessage, encoded?: string): boolean {
    if (message.seq <= conn.sentSeq) return false;
    conn.sentSeq = message.seq;
    conn.ws.send(encoded ?? encodeMessage(message));
    return true;
  }

  /** Fans a committed result out to the member's sockets at that store; each form serialised once. */
  private deliver(event: PushEvent): void {
    const sockets = this.registry.get(event.memberId, event.storeId);
    if (sockets.size === 0) return;
    const { metrics } = this.deps;
    let json: string | undefined;
    for (const conn of sockets) {
      if (conn.ws.readyState !== conn.ws.OPEN) continue;
      if (conn.dialect === 'text') {
        conn.ws.send(event.result.text);
        metrics.pushesSent.inc({ dialect: 'text' });
      } else if (conn.held) {
        conn.held.push(event);
      } else {
        const message: ResultMessage = { type: 'result', ...event.result };
        if (this.sendResult(conn, message, (json ??= encodeMessage(message)))) metrics.pushesSent.inc({ dialect: 'structured' });
      }
    }
    metrics.pushLatency.observe(Number(process.hrtime.bigint() - event.committedAt) / 1e9);
  }

  /** Pings every socket; one that did not answer the previous ping is terminated. */
  private beat(): void {
    for (const conn of this.registry.all()) {
      if (!conn.alive) {
        conn.closedBy = 'heartbeat';
        this.registry.remove(conn.memberId, conn.storeId, conn);
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
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

  /** Stops accepting, closes every socket with 1001 so clients reconnect elsewhere. */
  async shutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    const all = [...this.registry.all()];
    const closed = all.map((conn) => new Promise<void>((resolve) => {
      if (conn.ws.readyState === conn.ws.CLOSED) return resolve();
      conn.ws.once('close', () => resolve());
      this.close(conn, 'GOING_AWAY');
    }));
    // A client that never answers the close frame is cut off after a moment.
    const timer = setTimeout(() => all.forEach((c) => c.ws.terminate()), 2000);
    await Promise.all(closed);
    clearTimeout(timer);
    this.wss.close();
  }
}
