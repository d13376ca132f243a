import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { EventLoopDelay } from './event-loop-delay.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const block = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

async function figures(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const metric of await registry.getMetricsAsJSON()) out[metric.name] = (metric.values[0]?.value as number) ?? NaN;
  return out;
}

describe('EventLoopDelay', () => {
  it('samples from a touch, sees a stall, and stops once idle for idleMs with no socket', async () => {
    const registry = new Registry();
    const delay = new EventLoopDelay(() => false, 150, 10);
    delay.register(registry, 'x_');
    expect(delay.sampling).toBe(false);
    delay.touch();
    expect(delay.sampling).toBe(true);
    await sleep(30);
    block(60);
    await sleep(30);
    const busy = await figures(registry);
    expect(busy.x_nodejs_eventloop_lag_max_seconds).toBeGreaterThanOrEqual(0.04);
    expect(busy.x_nodejs_eventloop_lag_p99_seconds).toBeGreaterThan(0);
    // Bounded: idle for 150 ms is over well within 2 s, even on a slow machine.
    for (let i = 0; i < 40 && delay.sampling; i++) await sleep(50);
    expect(delay.sampling).toBe(false);
    await figures(registry); // reads what the last interval held
    expect(Object.values(await figures(registry))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    delay.stop();
  });

  it('keeps sampling while sockets are open, and a touch re-arms the idle window', async () => {
    let sockets = 1;
    const delay = new EventLoopDelay(() => sockets > 0, 100, 10);
    delay.touch();
    await sleep(300);
    expect(delay.sampling).toBe(true);
    sockets = 0;
    delay.touch();
    await sleep(50);
    expect(delay.sampling).toBe(true);
    for (let i = 0; i < 40 && delay.sampling; i++) await sleep(50);
    expect(delay.sampling).toBe(false);
    delay.touch();
    expect(delay.sampling).toBe(true);
    delay.stop();
    expect(delay.sampling).toBe(false);
  });
});
