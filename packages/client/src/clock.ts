/** A timer id as the runtime returns it: a number in WeChat and browsers, an object in Node. */
export type TimerId = unknown;

/** Time and timers, injected so that code using them can run on a fake clock in tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

// Every runtime the client runs in (Node, browsers, WeChat) has these two globals; declared here, module
// scoped, because the core is typed against no platform (Node's, the DOM's and wx's typings all differ).
declare function setTimeout(fn: () => void, ms: number): TimerId;
declare function clearTimeout(id: TimerId): void;

/** The runtime's own timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};
