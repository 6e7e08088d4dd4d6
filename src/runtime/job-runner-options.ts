import type { JobHooks } from '../core/hooks.js';
import type { Logger } from '../core/logger.js';
import type {
  EventPublisher,
  PayloadStore,
  Transport,
  WorkerJobStore,
  WorkflowStore,
} from '../core/ports.js';
import type { Retention } from '../core/retention.js';
import type { TaskRegistry } from '../core/task.js';
import type { JobMetrics } from './emf-metrics.js';

/** What a `JobRunner` needs; the worker and the Lambda handler build it from their own options. */
export interface JobRunnerOptions {
  readonly registry: TaskRegistry;
  readonly store: WorkerJobStore;
  readonly transport: Transport;
  readonly workerId: string;
  readonly visibilityTimeoutSeconds: number;
  readonly heartbeatIntervalSeconds: number;
  readonly progressIntervalMs: number;
  readonly logger: Logger;
  /**
   * The queue's `maxReceiveCount`, when it has a redrive policy: on that delivery a failing job is failed
   * for good (with its error) instead of being left for the queue to dead-letter without a reason.
   */
  readonly deliveryLimit?: number;
  /** For workflows: a group member's success is counted here. */
  readonly workflows?: WorkflowStore;
  /** Where the runner's status changes are published. */
  readonly events?: EventPublisher;
  /** Hooks called for every task after its own. */
  readonly hooks?: JobHooks;
  /** Caps each task's `timeoutGraceMs`, so an aborted attempt cannot outlive a Lambda invocation. */
  readonly maxAbortGraceMs?: number;
  /**
   * The long-running worker's `visibilityCeilingSeconds`: how long one delivery is held before the job
   * moves to a fresh message. Undefined (Lambda) never moves one.
   */
  readonly visibilityCeilingSeconds?: number;
  /** Where offloaded arguments are read from and large results written to. Default: none. */
  readonly payloads?: PayloadStore;
  /** How long finished jobs are kept; a task's own `retention` overrides it. Default `retentionDefaults`. */
  readonly retention?: Retention;
  /** Where job metrics are added up; undefined: none are kept. */
  readonly metrics?: JobMetrics;
  /** The queue's name, the `Queue` dimension of the metrics and a field of job log lines. Default `default`. */
  readonly queueName?: string;
}
