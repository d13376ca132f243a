import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

/**
 * Cuts a Redis connection that is open but silent, so that ioredis dials again. A link that goes down
 * without a FIN or RST (a cable, a firewall, a frozen Redis) leaves the socket open for minutes of TCP
 * retries: a subscriber would believe it is subscribed while nothing arrives, and the node would not
 * fall back to the database. So while the connection is up it is pinged every third of `deadAfterMs`
 * (PING is allowed in subscriber mode), and one that has shown no sign of life (a reply, a message,
 * its connect) for `deadAfterMs` is destroyed: its 'close' follows at once, and the reconnect.
 */
export class RedisWatchdog {
  /** Date.now() of the connection's last sign of life. */
  lastAlive = Date.now();
  private pinging = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly client: Redis,
    private readonly name: string,
    private readonly deadAfterMs: number,
    private readonly logger: Logger,
  ) {
    const touch = () => {
      this.lastAlive = Date.now();
    };
    client.on('connect', touch);
    client.on('ready', touch);
    client.on('message', touch);
    // Commands in flight when a connection dies are never answered (they are not re-sent either).
    client.on('close', () => (this.pinging = false));
    this.timer = setInterval(() => this.check(touch), Math.max(10, Math.floor(deadAfterMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(touch: () => void): void {
    const { status } = this.client;
    // Dialling, backing off or ended: ioredis's own timeouts and retries are in charge.
    if (status !== 'connect' && status !== 'ready') return;
    if (Date.now() - this.lastAlive > this.deadAfterMs) {
      this.logger.warn({ client: this.name, silentMs: Date.now() - this.lastAlive }, 'Redis connection silent: cutting it and dialling again');
      this.client.stream?.destroy();
      return;
    }
    if (status === 'ready' && !this.pinging) {
      this.pinging = true;
      this.client.ping().then(
        () => {
          this.pinging = false;
          touch();
        },
        () => (this.pinging = false),
      );
    }
  }
}
