import type { Broker, ControlMessage, PushEvent } from './broker.js';

/** Listeners called synchronously, in order, each isolated from the others' errors. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  constructor(private readonly onError: (err: unknown) => void) {}

  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(value: T): void {
    for (const listener of this.set) {
      try {
        listener(value);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  clear(): void {
    this.set.clear();
  }
}

/** The single-node broker: listeners run synchronously, in publish order, isolated from each other. */
export function createMemoryBroker(onListenerError: (err: unknown) => void): Broker {
  const events = new Listeners<PushEvent>(onListenerError);
  const control = new Listeners<ControlMessage>(onListenerError);
  return {
    publish: (event) => events.emit(event),
    subscribe: (listener) => events.add(listener),
    tell: (message) => control.emit(message),
    onControl: (listener) => control.add(listener),
    async close() {
      events.clear();
      control.clear();
    },
  };
}
