/** Assembles the embedded backend from its in-process adapters, with one queue per priority if asked. */

import type { PayloadOptions } from '../../core/payload.js';
import type { Backend } from '../../core/ports.js';
import type { Priority } from '../../core/priority.js';
import { PriorityTransport, type PriorityTransportOptions } from '../../core/priority-transport.js';
import { RequestCounter } from '../../core/request-counter.js';
import { MemoryDelayScheduler } from './memory-delay-scheduler.js';
import { MemoryEventBus } from './memory-event-bus.js';
import { MemoryJobStore, type MemoryJobStoreOptions } from './memory-job-store.js';
import { MemoryPayloadStore } from './memory-payload-store.js';
import { MemoryTransport, type MemoryTransportOptions } from './memory-transport.js';
import { MemoryWorkflowStore } from './memory-workflow-store.js';

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
  /** Sends delayed jobs' messages from in-process timers (delays past 15 minutes). */
  readonly delays: MemoryDelayScheduler;
}

/** An embedded backend with one queue per priority, sharing the `normal` queue's dead-letter queue. */
export interface MemoryPriorityBackend extends Omit<MemoryBackend, 'transport'> {
  readonly transport: PriorityTransport;
  readonly queues: Readonly<Record<Priority, MemoryTransport>>;
}

/** Options of the embedded backend. */
export interface MemoryBackendOptions
  extends Pick<MemoryTransportOptions, 'maxReceiveCount'>,
    Pick<MemoryJobStoreOptions, 'keepFinishedJobs'> {
  /**
   * Offload large arguments and results to an in-process store, as the AWS backend does to S3 (`true`
   * for the default limits). Default: off, so they are refused as on an AWS backend without a bucket.
   */
  readonly payloads?: boolean | PayloadOptions;
  /** One queue per priority (`high`, `normal`, `low`) behind a `PriorityTransport`. Default false. */
  readonly priorities?: boolean;
  /** With `priorities`: the weights and idle wait of the `PriorityTransport`. */
  readonly priorityOptions?: Pick<PriorityTransportOptions, 'weights' | 'idleWaitSeconds' | 'random'>;
}

/** The names of the embedded priority queues, as the last part of an `eventSourceARN` names a queue. */
export const memoryQueueNames: Readonly<Record<Priority, string>> = {
  high: 'high',
  normal: 'normal',
  low: 'low',
};

/** Creates an embedded backend. Share one between the producer (`Longhaul`) and its workers. */
export function memoryBackend(
  options: MemoryBackendOptions & { readonly priorities: true },
): MemoryPriorityBackend;
export function memoryBackend(
  options?: MemoryBackendOptions & { readonly priorities?: false },
): MemoryBackend;
export function memoryBackend(options: MemoryBackendOptions = {}): MemoryBackend | MemoryPriorityBackend {
  const requests = new RequestCounter();
  const { payloads } = options;
  const transportOptions = {
    ...(options.maxReceiveCount !== undefined ? { maxReceiveCount: options.maxReceiveCount } : {}),
    counter: requests,
  };
  const shared = {
    store: new MemoryJobStore({
      counter: requests,
      ...(options.keepFinishedJobs !== undefined ? { keepFinishedJobs: options.keepFinishedJobs } : {}),
    }),
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
  if (!options.priorities) {
    const transport = new MemoryTransport(transportOptions);
    return { transport, ...shared, delays: new MemoryDelayScheduler({ transport, counter: requests }) };
  }
  const normal = new MemoryTransport(transportOptions);
  const queues = {
    high: new MemoryTransport({ ...transportOptions, deadLetterTo: normal }),
    normal,
    low: new MemoryTransport({ ...transportOptions, deadLetterTo: normal }),
  };
  // Names like queue ARNs' last part, so a Lambda handler's `eventSourceARN` can name them in tests.
  const transport = new PriorityTransport({
    ...options.priorityOptions,
    queues,
    queueNames: memoryQueueNames,
  });
  return {
    transport,
    queues,
    ...shared,
    delays: new MemoryDelayScheduler({ transport, counter: requests }),
  };
}
