import { type PayloadLimits, type PayloadOptions, resolvePayloadLimits } from '../../core/payload.js';
import type { PayloadStore } from '../../core/ports.js';
import type { RequestCounter } from '../../core/request-counter.js';

/** Options of the in-process payload store. */
export interface MemoryPayloadStoreOptions {
  /** When payloads are offloaded and how large they may be. Defaults: see `payloadDefaults`. */
  readonly limits?: PayloadOptions;
  /** Counts operations under their S3 names. */
  readonly counter?: RequestCounter;
}

/**
 * Offloaded payloads in a Map, so the embedded backend takes the same code path as S3. Objects are kept
 * for the life of the process: there is no lifecycle rule to expire them.
 *
 * @example
 * const backend = memoryBackend({ payloads: true }); // backend.payloads is a MemoryPayloadStore
 */
export class MemoryPayloadStore implements PayloadStore {
  readonly limits: PayloadLimits;
  readonly #objects = new Map<string, string>();
  readonly #counter: RequestCounter | undefined;

  constructor(options: MemoryPayloadStoreOptions = {}) {
    this.limits = resolvePayloadLimits(options.limits);
    this.#counter = options.counter;
  }

  async put(key: string, body: string): Promise<void> {
    this.#counter?.record('s3', 'PutObject');
    this.#objects.set(key, body);
  }

  async get(key: string): Promise<string | undefined> {
    this.#counter?.record('s3', 'GetObject');
    return this.#objects.get(key);
  }

  /** Removes an object, as the bucket's lifecycle rule would: for tests of a payload gone missing. */
  delete(key: string): void {
    this.#objects.delete(key);
  }

  /** The keys stored, for tests. */
  keys(): string[] {
    return [...this.#objects.keys()];
  }
}
