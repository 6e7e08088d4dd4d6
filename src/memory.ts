/**
 * The embedded backend: queue and job store in this process, with SQS's and DynamoDB's semantics.
 * For the demo, for tests, and for running tasks locally with no AWS account.
 *
 * @example
 * import { memoryBackend } from 'longhaul/memory';
 * const backend = memoryBackend();
 */
import { MemoryEventBus } from './adapters/memory/memory-event-bus.js';
import { MemoryJobStore } from './adapters/memory/memory-job-store.js';
import { MemoryPayloadStore } from './adapters/memory/memory-payload-store.js';
import { MemoryTransport, type MemoryTransportOptions } from './adapters/memory/memory-transport.js';
import { MemoryWorkflowStore } from './adapters/memory/memory-workflow-store.js';
import type { PayloadOptions } from './core/payload.js';
import type { Backend } from './ports.js';
import { RequestCounter } from './request-counter.js';

export type { JobStateListener } from './adapters/memory/memory-event-bus.js';
export type { MemoryPayloadStoreOptions } from './adapters/memory/memory-payload-store.js';
export type { MemoryDeadLetter, MemoryTransportOptions } from './adapters/memory/memory-transport.js';
export { MemoryEventBus, MemoryJobStore, MemoryPayloadStore, MemoryTransport, MemoryWorkflowStore };

/** A backend whose transport is a {@link MemoryTransport}, so tests can read its dead letters. */
export interface MemoryBackend extends Backend {
  readonly transport: MemoryTransport;
  readonly store: MemoryJobStore;
  readonly requests: RequestCounter;
  readonly workflows: MemoryWorkflowStore;
  /** Every job state change the workers and the client make: `backend.events.subscribe(listener)`. */
  readonly events: MemoryEventBus;
  /** Present when `payloads` was given. */
  readonly payloads?: MemoryPayloadStore;
}

/** Options of the embedded backend. */
export type MemoryBackendOptions = Pick<MemoryTransportOptions, 'maxReceiveCount'> & {
  /**
   * Offload large arguments and results to an in-process store, as the AWS backend does to S3 (`true`
   * for the default limits). Default: off, so they are refused as on an AWS backend without a bucket.
   */
  readonly payloads?: boolean | PayloadOptions;
};

/** Creates an embedded backend. Share one between the producer (`Longhaul`) and its workers. */
export function memoryBackend(options: MemoryBackendOptions = {}): MemoryBackend {
  const requests = new RequestCounter();
  const { payloads, ...transportOptions } = options;
  return {
    transport: new MemoryTransport({ ...transportOptions, counter: requests }),
    store: new MemoryJobStore({ counter: requests }),
    requests,
    workflows: new MemoryWorkflowStore({ counter: requests }),
    events: new MemoryEventBus(),
    ...(payloads
      ? {
          payloads: new MemoryPayloadStore({
            counter: requests,
            ...(typeof payloads === 'object' ? { limits: payloads } : {}),
          }),
        }
      : {}),
  };
}
