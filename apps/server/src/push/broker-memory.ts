import type { Broker, PushEvent } from './broker.js';

/** The single-node broker: listeners run synchronously, in publish order, isolated from each other. */
export function createMemoryBroker(onListenerError: (err: unknown) => void): Broker {
  const listeners = new Set<(event: PushEvent) => void>();
  return {
    publish(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
  };
}
