/**
 * Microseconds on the system-wide monotonic clock (CLOCK_MONOTONIC, like process.hrtime). Every process
 * on the machine reads the same clock, so a time taken in the scan sender and one taken in a client
 * worker subtract to a latency. Safe as a double: µs since boot stay far below 2^53.
 */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
