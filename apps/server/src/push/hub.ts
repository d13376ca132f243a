import type { DeliveryConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { StreamStore } from '../storage/streams.js';
import { wallClockMs, type Broker, type PushEvent } from './broker.js';
import { Connection, type ConnectionContext, type PushSocket } from './connection.js';
import { DeliveryMarks } from './delivery-marks.js';
import type { Dialect } from './dialect.js';
import { Outgoing } from './outgoing.js';
import { ConnectionRegistry } from './registry.js';
import { Sweep } from './sweep.js';
import type { UpgradeGrant } from './upgrade.js';

/** Heartbeat pings go out in slices this often: 10,000 sockets every 25 s are 8 pings a tick, well under a millisecond. */
const HEARTBEAT_TICK_MS = 20;
/** At shutdown, a client that has not answered the close frame by then is cut off. */
const CLOSE_GRACE_MS = 2000;

export type HubMetrics = Pick<Metrics, 'disconnects' | 'pushesSent' | 'pushesReplayed' | 'gapFills' | 'pushLatency'>;

export interface HubDeps {
  streams: StreamStore;
  broker: Broker;
  logger: Logger;
  metrics: HubMetrics;
  now: () => number;
  heartbeatMs: number;
  delivery: DeliveryConfig;
  /** The clock of PushEvent.committedAt, for the latency histogram. */
  wallClock?: () => number;
}

/**
 * The connections of this process: registers them by stream (member, store), fans broker events out to
 * a stream's connections, runs their heartbeat, closes a member's sockets on revocation and all of them
 * at shutdown. No socket I/O of its own: connections do it.
 *
 * Fan-out: an event goes to the connections of its stream only, its wire forms built once for all of
 * them (see Outgoing); each connection decides from its own position what to write (see Connection).
 */
export class Hub {
  private readonly registry: ConnectionRegistry<Connection>;
  private readonly marks: DeliveryMarks;
  private readonly heartbeat: Sweep<Connection>;
  private readonly context: ConnectionContext;
  private readonly unsubscribe: () => void;
  private readonly wallClock: () => number;

  constructor(private readonly deps: HubDeps) {
    this.registry = new ConnectionRegistry<Connection>(deps.delivery.maxSocketsPerStore);
    this.marks = new DeliveryMarks(deps.streams, deps.now, (err) => deps.logger.error({ err }, 'marking deliveries failed'));
    this.heartbeat = new Sweep<Connection>(deps.heartbeatMs, (conn) => conn.beat(), HEARTBEAT_TICK_MS);
    this.wallClock = deps.wallClock ?? wallClockMs;
    this.context = {
      streams: deps.streams,
      epoch: deps.streams.epoch(),
      marks: this.marks,
      metrics: deps.metrics,
      logger: deps.logger,
      now: deps.now,
      delivery: deps.delivery,
      release: (conn) => this.release(conn),
    };
    this.unsubscribe = deps.broker.subscribe((event) => this.deliver(event));
  }

  /** Open connections. */
  get size(): number {
    return this.registry.size;
  }

  /**
   * Registers a connection for an accepted socket and starts its dialect. A stream over its cap of
   * sockets closes its oldest with REPLACED.
   */
  connect(grant: UpgradeGrant, socket: PushSocket, dialect: Dialect): Connection {
    const conn = new Connection(grant, socket, dialect, this.context);
    for (const old of this.registry.add(conn)) old.close('REPLACED');
    this.heartbeat.add(conn);
    conn.start();
    return conn;
  }

  /** Closes the member's sockets opened with a session (or all of the member's); for revocations. */
  closeMember(memberId: number, sessionId?: number): number {
    let n = 0;
    for (const conn of this.registry.ofMember(memberId)) {
      if (sessionId !== undefined && conn.sessionId !== sessionId) continue;
      conn.close('SESSION_REVOKED');
      n++;
    }
    return n;
  }

  /**
   * Asks `isLive` about the session of every open socket (once per session) and closes those whose
   * session is over: revoked while a revocation could not reach this node (the broker was away), or
   * expired. Answers how many sockets it closed.
   */
  async revalidateSessions(isLive: (tokenHash: string) => Promise<boolean>): Promise<number> {
    const bySession = new Map<string, Connection[]>();
    for (const conn of this.registry.all()) {
      const list = bySession.get(conn.tokenHash);
      if (list) list.push(conn);
      else bySession.set(conn.tokenHash, [conn]);
    }
    let closed = 0;
    for (const [tokenHash, conns] of bySession) {
      if (await isLive(tokenHash)) continue;
      for (const conn of conns) {
        conn.close('SESSION_REVOKED');
        closed++;
      }
    }
    return closed;
  }

  /**
   * Stops listening to the broker, closes every socket with GOING_AWAY (clients reconnect, elsewhere if
   * need be), terminates those that do not finish closing within CLOSE_GRACE_MS, then writes the
   * delivery marks still pending.
   */
  async shutdown(): Promise<void> {
    this.heartbeat.stop();
    this.unsubscribe();
    const all = [...this.registry.all()];
    const closed = all.map((conn) => conn.whenClosed());
    for (const conn of all) conn.close('GOING_AWAY');
    const timer = setTimeout(() => all.forEach((conn) => conn.socket.terminate()), CLOSE_GRACE_MS);
    await Promise.all(closed);
    clearTimeout(timer);
    await this.marks.flush();
  }

  private deliver(event: PushEvent): void {
    const { entry } = event;
    const conns = this.registry.get(entry.memberId, entry.storeId);
    if (conns.length === 0) return;
    const out = new Outgoing(entry);
    for (const conn of conns) conn.offer(out);
    this.deps.metrics.pushLatency.observe(Math.max(0, this.wallClock() - event.committedAt) / 1000);
  }

  private release(conn: Connection): void {
    this.registry.remove(conn);
    this.heartbeat.delete(conn);
  }
}
