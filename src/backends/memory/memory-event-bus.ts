import type { EventPublisher, JobStateChange } from '../../core/ports.js';

/** A function called with each job state change, in the order they were published. */
export type JobStateListener = (change: JobStateChange) => void;

/**
 * The embedded backend's events: an in-process emitter. Subscribe in tests, a demo, or to forward the
 * changes somewhere yourself. A throwing listener is isolated: the others still get the change, and
 * the publisher (a worker or the client) is never failed by it.
 *
 * @example
 * const backend = memoryBackend();
 * const unsubscribe = backend.events.subscribe((change) => console.log(change.jobId, change.status));
 */
export class MemoryEventBus implements EventPublisher {
  readonly #listeners = new Set<JobStateListener>();

  /** Calls `listener` with every change published from now on. Returns a function that unsubscribes. */
  subscribe(listener: JobStateListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Whether anyone subscribed: without a subscriber, publishers need not build the changes. */
  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  async publish(changes: readonly JobStateChange[]): Promise<void> {
    for (const change of changes) {
      for (const listener of this.#listeners) {
        try {
          listener(structuredClone(change));
        } catch {
          // A listener's failure is its own business; the change was published.
        }
      }
    }
  }
}
