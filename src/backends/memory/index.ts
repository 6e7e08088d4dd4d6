/**
 * The embedded backend: queue and job store in this process, with SQS's and DynamoDB's semantics.
 * For the demo, for tests, and for running tasks locally with no AWS account.
 *
 * What the rest of Longhaul may import from this backend; every other file in this folder is its own
 * business.
 *
 * @example
 * import { memoryBackend } from 'longhaul/memory';
 * const backend = memoryBackend();
 */
export {
  type MemoryBackend,
  type MemoryBackendOptions,
  type MemoryPriorityBackend,
  memoryBackend,
  memoryQueueNames,
} from './memory-backend.js';
export { MemoryDelayScheduler } from './memory-delay-scheduler.js';
export type { JobStateListener } from './memory-event-bus.js';
export { MemoryEventBus } from './memory-event-bus.js';
export { defaultKeepFinishedJobs, MemoryJobStore, type MemoryJobStoreOptions } from './memory-job-store.js';
export type { MemoryPayloadStoreOptions } from './memory-payload-store.js';
export { MemoryPayloadStore } from './memory-payload-store.js';
export type { MemoryDeadLetter, MemoryTransportOptions } from './memory-transport.js';
export { MemoryTransport } from './memory-transport.js';
export { MemoryWorkflowStore } from './memory-workflow-store.js';
