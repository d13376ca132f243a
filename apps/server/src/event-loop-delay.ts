import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** prom-client's names for the delay histogram's figures (after its prefix), kept so dashboards and alerts read on. */
const FIGURES = {
  min: ['nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.'],
  max: ['nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.'],
  mean: ['nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.'],
  stddev: ['nodejs_eventloop_lag_stddev_seconds', 'The standard deviation of the recorded event loop delays.'],
  p50: ['nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.'],
  p90: ['nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.'],
  p99: ['nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.'],
} as const;

/** The names prom-client's own gauges for these figures take (after its prefix): ours replace them. */
export const DELAY_FIGURE_NAMES = Object.values(FIGURES).map(([name]) => name);

/** prom-client's own monitor, given this resolution, never fires: ours replaces its figures. */
export const NEVER_MS = 2 ** 31 - 1;

/**
 * The event-loop delay histogram, sampled every `resolutionMs` (10, prom-client's default) only while the
 * server has work: from a request or an upgrade (`touch`) until `idleMs` have passed with neither and no
 * socket open (`busy`). prom-client's monitor samples for ever: its 100 timer wake-ups a second were most
 * of what an idle server cost (2/3 of 0.7 % of a core here). An idle loop has no delay to see; a scrape
 * that finds no sample reports 0.
 */
export class EventLoopDelay {
  private readonly histogram;
  private on = false;
  private lastTouch = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly busy: () => boolean,
    private readonly idleMs = 30_000,
    resolutionMs = 10,
    private readonly now: () => number = Date.now,
  ) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  /** Sampling now (for tests and the bench's reading of it). */
  get sampling(): boolean {
    return this.on;
  }

  /** Work arrived: sample from now until idleMs after the last work. Cheap enough for every request. */
  touch(): void {
    this.lastTouch = this.now();
    if (this.on) return;
    this.on = true;
    this.histogram.enable();
    this.arm(this.idleMs);
  }

  /** Stops sampling (at the server's close). */
  stop(): void {
    clearTimeout(this.timer);
    this.histogram.disable();
    this.on = false;
  }

  /** Gauges under prom-client's names; each scrape reads and resets the histogram, as prom-client's does. */
  register(registry: Registry, prefix: string): void {
    const h = this.histogram;
    const gauges = {} as Record<keyof typeof FIGURES, Gauge>;
    // One gauge's collect sets all seven, as prom-client's does, so a scrape reads one histogram.
    const collect = () => {
      const seen = h.count > 0;
      const s = (ns: number) => (seen ? ns / 1e9 : 0);
      gauges.min.set(s(h.min));
      gauges.max.set(s(h.max));
      gauges.mean.set(s(h.mean));
      gauges.stddev.set(s(h.stddev));
      gauges.p50.set(s(h.percentile(50)));
      gauges.p90.set(s(h.percentile(90)));
      gauges.p99.set(s(h.percentile(99)));
      h.reset();
    };
    for (const [key, [name, help]] of Object.entries(FIGURES) as [keyof typeof FIGURES, readonly [string, string]][]) {
      gauges[key] = new Gauge({ name: prefix + name, help, registers: [registry], ...(key === 'min' ? { collect } : {}) });
    }
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.check(), ms);
    this.timer.unref();
  }

  private check(): void {
    const quietFor = this.now() - this.lastTouch;
    if (this.busy()) return this.arm(this.idleMs);
    if (quietFor < this.idleMs) return this.arm(this.idleMs - quietFor);
    this.histogram.disable();
    this.on = false;
  }
}
