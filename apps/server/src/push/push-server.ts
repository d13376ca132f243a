import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CLOSE_CODES, RETIRED_SUBPROTOCOLS, STRUCTURED_SUBPROTOCOL, closeName, type ApiErrorCode } from '@scanpush/shared';
import { WebSocket, WebSocketServer } from 'ws';
import type { Metrics } from '../metrics.js';
import type { AccountStore } from '../storage/accounts.js';
import { closeSocket } from './close-socket.js';
import { structuredDialect } from './dialect-structured.js';
import { textDialect } from './dialect-text.js';
import type { Connection } from './connection.js';
import { Hub, type HubDeps } from './hub.js';
import { authorizeUpgrade, refuseUpgrade, type UpgradeGrant } from './upgrade.js';

/** Largest inbound frame; clients only send small control frames. A larger one closes with 1009. */
const MAX_FRAME_BYTES = 4096;

/**
 * ws's WebSocket as a member socket. Its events go straight to its connection rather than through
 * listeners: four listener closures, their context and the `_events` dictionary they grew cost about
 * 500 bytes a socket, 9 MiB at 19,000. ws emits from its own handlers: whatever the connection does
 * with an event is guarded there (Connection.receive), and an 'error' with no connection (a socket
 * being closed as retired) is dropped rather than thrown out of ws, which would end the process.
 */
class MemberSocket extends WebSocket {
  connection: Connection | undefined = undefined;

  /**
   * ws closes a socket itself for a frame over maxPayload (1009), with no reason. Every close with a
   * code of our catalog carries the catalog's reason, whoever decided it.
   */
  override close(code?: number, data?: string | Buffer): void {
    const name = code === undefined ? undefined : closeName(code);
    super.close(code, data ?? (name && CLOSE_CODES[name].reason));
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const conn = this.connection;
    switch (event) {
      case 'message':
        conn?.receive(String(args[0]), args[1] as boolean);
        return true;
      case 'ping':
        conn?.ping(args[0] as Buffer);
        return true;
      case 'pong':
        conn?.pong();
        return true;
      case 'error':
        conn?.socketError(args[0] as Error);
        return true;
      case 'close':
        conn?.socketClosed(args[0] as number);
        return true;
      default:
        return super.emit(event, ...args);
    }
  }
}

/** The hub's parts, plus what authorizing an upgrade reads; the full metrics (refusals, connects). */
export interface PushServerDeps extends Omit<HubDeps, 'metrics'> {
  accounts: Pick<AccountStore, 'findSession' | 'getStore'>;
  metrics: Metrics;
}

/** The member push endpoint, `/webSocket/{userId}/{carwashId}`, as the composition root sees it. */
export interface PushServer {
  /** The HTTP server's `upgrade` listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes the member's sockets of one session (or of all its sessions) with SESSION_REVOKED; answers how many. */
  closeMember(memberId: number, sessionId?: number): number;
  /** Re-checks the session of every open socket in storage and closes those no longer live; answers how many. */
  revalidateSessions(): Promise<number>;
  /** Open member sockets (the seed's 当前在线用户数量). */
  openSockets(): number;
  /** Refuses new upgrades (503), closes every socket with 1001, writes pending delivery marks. */
  shutdown(): Promise<void>;
}

/**
 * Accepts member sockets: authorizes the upgrade before any handshake (upgrade.ts), completes it with
 * `ws`, picks the dialect from the subprotocol and hands the socket to the hub as a connection. The only
 * module that knows `ws`. A client offering only a retired subprotocol is accepted with it, to be told
 * PROTOCOL_RETIRED (4004, do not reconnect) rather than fail as a bare handshake it would retry.
 */
export function createPushServer(deps: PushServerDeps): PushServer {
  const { accounts, metrics, logger, now } = deps;
  const hub = new Hub(deps);
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    WebSocket: MemberSocket,
    maxPayload: MAX_FRAME_BYTES,
    // Connection.ping answers, from the frame budget; ws's own answer keeps a closure per socket.
    autoPong: false,
    // Pushes are a few hundred bytes: compression costs memory per socket and CPU per frame for nothing.
    perMessageDeflate: false,
    handleProtocols: (offered) => {
      if (offered.has(STRUCTURED_SUBPROTOCOL)) return STRUCTURED_SUBPROTOCOL;
      return RETIRED_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false;
    },
  });
  let closing = false;

  function accept(ws: MemberSocket, grant: UpgradeGrant): void {
    if (RETIRED_SUBPROTOCOLS.includes(ws.protocol)) {
      // A retired version is a structured dialect too: its bye is what lets a client whose platform
      // rewrites close codes (WeChat) learn 4004 and stop, once the version it speaks is retired.
      closeSocket(ws, structuredDialect, 'PROTOCOL_RETIRED');
      metrics.disconnects.inc({ reason: 'protocol_retired' });
      return;
    }
    const dialect = ws.protocol === STRUCTURED_SUBPROTOCOL ? structuredDialect : textDialect;
    metrics.connects.inc({ dialect: dialect.name });
    ws.connection = hub.connect(grant, ws, dialect);
  }

  return {
    handleUpgrade(req, socket, head) {
      metrics.eventLoop.touch();
      // Until ws takes the socket over (it adds its own listener). Removed then: its closure shares a
      // context with `req`, and kept, it held every socket's upgrade request alive (1.2 KB each).
      const onError = () => socket.destroy();
      socket.on('error', onError);
      const refuse = (status: number, code: ApiErrorCode, message: string) => {
        metrics.upgradeRefusals.inc({ status: String(status) });
        const requestId = refuseUpgrade(socket, req, status, code, message);
        // The path without its query: `?token=` carries a credential.
        const path = (req.url ?? '').split('?', 1)[0];
        logger[status >= 500 ? 'error' : 'info']({ requestId, path, status, code }, 'upgrade refused');
      };
      if (closing) return refuse(503, 'UNAVAILABLE', 'Server is shutting down');
      authorizeUpgrade(req, accounts, now()).then(
        (decision) => {
          if (!decision.ok) return refuse(decision.status, decision.code, decision.message);
          if (socket.destroyed || closing) return socket.destroy();
          wss.handleUpgrade(req, socket, head, (ws) => {
            socket.off('error', onError);
            accept(ws as MemberSocket, decision.grant);
          });
        },
        (err: unknown) => {
          logger.error({ err }, 'upgrade failed');
          refuse(500, 'INTERNAL', 'Internal error');
        },
      );
    },
    closeMember: (memberId, sessionId) => hub.closeMember(memberId, sessionId),
    revalidateSessions: () => hub.revalidateSessions(async (tokenHash) => (await accounts.findSession(tokenHash, now())) !== undefined),
    openSockets: () => hub.size,
    async shutdown() {
      closing = true;
      await hub.shutdown();
      wss.close();
    },
  };
}
