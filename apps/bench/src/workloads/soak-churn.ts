/**
 * The soak's member side: a fixed number of slots, each connecting a member's socket, keeping it a few
 * seconds and leaving, then starting over with another member, for as long as the soak runs. Runs in the
 * bench's own process (a few thousand sockets at most).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { decodeServerMessage, encodeMessage, positionOf, resumeFrom, socketPath, StreamCursor, STRUCTURED_SUBPROTOCOL } from '@scanpush/shared';
import WebSocket from 'ws';
import type { BenchMember } from '../provision.js';

/**
 * How a socket leaves: a close frame; the TCP connection dropped (FIN) or reset (RST) with no close frame;
 * gone silent (stops answering pings, so only the server's heartbeat ends it); or given up during the
 * handshake, before or while the server authorizes it.
 */
export type Departure = 'close' | 'fin' | 'reset' | 'silent' | 'abandon';

const DEPARTURES: ReadonlyArray<readonly [Departure, number]> = [
  ['close', 0.4],
  ['fin', 0.25],
  ['reset', 0.15],
  ['silent', 0.1],
  ['abandon', 0.1],
];
/** A socket lives uniformly 1–15 s: long enough to get pushes, short enough for many lives a minute. */
const LIFE_MIN_MS = 1000;
const LIFE_MAX_MS = 15_000;
/** A slot waits up to this long between two lives. */
const PAUSE_MAX_MS = 1000;
/** An abandoned handshake is given up this soon after it starts: before, during or after the upgrade. */
const ABANDON_MAX_MS = 5;
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** A close frame the server does not answer within this is cut off (and counted). */
const CLOSE_WAIT_MS = 5000;

export interface ChurnCounts {
  /** Sockets started, abandoned ones included. */
  attempts: number;
  opened: { text: number; structured: number };
  /** Handshakes that failed on their own (refused, reset, timed out); abandoned ones are not failures. */
  failed: number;
  /** The first few distinct failure messages. */
  errors: string[];
  /** Lives by how they were meant to end. */
  departures: Record<Departure, number>;
  /** Abandoned handshakes that never opened (the rest opened first and were dropped at once). */
  abandonedBeforeOpen: number;
  /** Silent sockets the server ended (its heartbeat), and those it had not ended after 3 heartbeat periods. */
  silentEndedByServer: number;
  silentNotEnded: number;
  /** Sockets the server closed while their client still wanted them, by close code. */
  serverClosed: Record<string, number>;
  /** Close frames the server did not answer within 5 s. */
  closeUnanswered: number;
  /** Frames received: text pushes, structured results, structured `synced`. */
  pushes: { text: number; structured: number; synced: number };
}

export interface ChurnOptions {
  wsUrl: string;
  members: readonly BenchMember[];
  slots: number;
  heartbeatMs: number;
  localAddresses: readonly string[];
  /** Each structured member's position, kept across its lives (and across churns), as its app keeps it. */
  cursors: Map<number, StreamCursor>;
  rng: () => number;
}

interface Life {
  leave(how: Departure): void;
}

export class Churn {
  readonly counts: ChurnCounts = {
    attempts: 0,
    opened: { text: 0, structured: 0 },
    failed: 0,
    errors: [],
    departures: { close: 0, fin: 0, reset: 0, silent: 0, abandon: 0 },
    abandonedBeforeOpen: 0,
    silentEndedByServer: 0,
    silentNotEnded: 0,
    serverClosed: {},
    closeUnanswered: 0,
    pushes: { text: 0, structured: 0, synced: 0 },
  };
  private stopping = false;
  private readonly lives = new Set<Life>();
  private readonly wakers = new Set<() => void>();
  /** Members no slot holds, in the order they will be taken. */
  private readonly free: BenchMember[];
  /** Members with a socket open now, and where each sits in that array (O(1) removal and random pick). */
  private readonly connected: BenchMember[] = [];
  private readonly index = new Map<number, number>();
  private done: Promise<void> | undefined;

  constructor(private readonly o: ChurnOptions) {
    if (o.slots > o.members.length) throw new Error(`${o.slots} slots need as many members, got ${o.members.length}`);
    this.free = [...o.members];
    for (let i = this.free.length - 1; i > 0; i--) {
      const j = Math.floor(o.rng() * (i + 1));
      [this.free[i], this.free[j]] = [this.free[j] as BenchMember, this.free[i] as BenchMember];
    }
  }

  start(): void {
    this.done = Promise.all(Array.from({ length: this.o.slots }, () => this.slot())).then(() => undefined);
  }

  /** Sockets open now, by the clients' count. */
  get open(): number {
    return this.connected.length;
  }

  get opened(): number {
    return this.counts.opened.text + this.counts.opened.structured;
  }

  /** A member with a socket open now, at random; undefined when none is. */
  randomConnected(): BenchMember | undefined {
    return this.connected.length ? this.connected[Math.floor(this.o.rng() * this.connected.length)] : undefined;
  }

  /** Every client leaves with a close frame (a handshake in progress is dropped); resolves when all are gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    for (const life of this.lives) life.leave('close');
    await this.done;
  }

  private async slot(): Promise<void> {
    // Staggered first connects: not every slot's handshake in the same instant.
    await this.pause(this.o.rng() * LIFE_MAX_MS);
    while (!this.stopping) {
      const member = this.free.shift() as BenchMember; // slots ≤ members: one is always free
      try {
        await this.live(member);
      } finally {
        this.free.push(member);
      }
      await this.pause(this.o.rng() * PAUSE_MAX_MS);
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** One socket of `member`, from its handshake to its close; never rejects. */
  private live(member: BenchMember): Promise<void> {
    const { o, counts } = this;
    const structured = o.rng() < 0.5;
    const departure = pickDeparture(o.rng());
    const lifeMs = LIFE_MIN_MS + o.rng() * (LIFE_MAX_MS - LIFE_MIN_MS);
    counts.attempts++;
    counts.departures[departure]++;
    const localAddress = o.localAddresses[counts.attempts % o.localAddresses.length];
    const ws = new WebSocket(o.wsUrl + socketPath(member.memberId, member.storeId), structured ? [STRUCTURED_SUBPROTOCOL] : [], {
      headers: { authorization: `Bearer ${member.token}` },
      perMessageDeflate: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      autoPong: departure !== 'silent',
      ...(localAddress ? { localAddress } : {}),
    });
    let tcp: Socket | undefined;
    let opened = false;
    let leaving = false;
    let timer: NodeJS.Timeout | undefined;

    const life: Life = {
      leave: (how) => {
        if (leaving) return;
        leaving = true;
        clearTimeout(timer);
        if (how === 'close' && ws.readyState === WebSocket.OPEN) {
          ws.close(1000);
          timer = setTimeout(() => {
            counts.closeUnanswered++;
            ws.terminate();
          }, CLOSE_WAIT_MS);
        } else if (how === 'reset' && tcp) {
          tcp.resetAndDestroy();
        } else {
          ws.terminate();
        }
      },
    };
    this.lives.add(life);

    ws.on('upgrade', (res: IncomingMessage) => {
      tcp = res.socket as Socket;
    });
    ws.on('error', (err) => {
      if (opened || leaving) return;
      if (counts.errors.length < 5 && !counts.errors.includes(err.message)) counts.errors.push(err.message);
    });
    ws.on('open', () => {
      opened = true;
      counts.opened[structured ? 'structured' : 'text']++;
      this.index.set(member.memberId, this.connected.length);
      this.connected.push(member);
      if (structured) ws.send(encodeMessage(resumeFrom(this.cursor(member.memberId).position)));
      if (departure === 'abandon') life.leave('abandon'); // the handshake won the race: drop it at once
      else if (departure === 'silent') {
        // A silent socket waits for the server's heartbeat to end it; past 3 periods that is a finding.
        timer = setTimeout(() => {
          counts.silentNotEnded++;
          life.leave('fin');
        }, 3 * o.heartbeatMs + 5000);
      } else timer = setTimeout(() => life.leave(departure), lifeMs);
    });
    ws.on('message', (data, isBinary) => {
      if (!structured) {
        counts.pushes.text++;
        return;
      }
      const decoded = isBinary ? undefined : decodeServerMessage(String(data));
      if (!decoded?.ok || decoded.value.type === 'pong' || decoded.value.type === 'bye') return;
      this.cursor(member.memberId).accept(positionOf(decoded.value));
      if (decoded.value.type === 'result') counts.pushes.structured++;
      else counts.pushes.synced++;
    });

    return new Promise<void>((resolve) => {
      ws.on('close', (code) => {
        clearTimeout(timer);
        this.lives.delete(life);
        if (opened) {
          this.disconnected(member.memberId);
          if (!leaving) {
            if (departure === 'silent') counts.silentEndedByServer++;
            else counts.serverClosed[code] = (counts.serverClosed[code] ?? 0) + 1;
          }
        } else if (departure === 'abandon' && leaving) counts.abandonedBeforeOpen++;
        else if (!leaving) counts.failed++;
        resolve();
      });
      if (departure === 'abandon') setTimeout(() => life.leave('abandon'), o.rng() * ABANDON_MAX_MS);
      if (this.stopping) life.leave('close');
    });
  }

  private cursor(memberId: number): StreamCursor {
    let c = this.o.cursors.get(memberId);
    if (!c) this.o.cursors.set(memberId, (c = new StreamCursor()));
    return c;
  }

  private disconnected(memberId: number): void {
    const i = this.index.get(memberId);
    if (i === undefined) return;
    const last = this.connected.pop() as BenchMember;
    if (last.memberId !== memberId) {
      this.connected[i] = last;
      this.index.set(last.memberId, i);
    }
    this.index.delete(memberId);
  }
}

function pickDeparture(r: number): Departure {
  let acc = 0;
  for (const [departure, share] of DEPARTURES) {
    acc += share;
    if (r < acc) return departure;
  }
  return 'close';
}
