import { PayloadOffload } from '../client/payload-offload.js';
import { expiryOf, type FinalStatus, retentionDefaults } from '../core/retention.js';
import type { AnyTask } from '../core/task.js';
import { JobEffects } from './after-final.js';
import type { AttemptLeaseOptions } from './attempt-lease.js';
import { HeartbeatTimer } from './heartbeat-timer.js';
import type { JobRunnerOptions } from './job-runner-options.js';
import { JobTelemetry } from './job-telemetry.js';
import { TaskLimiter } from './task-limiter.js';

/**
 * What every step of a job's lifecycle (admit, claim, run, record the outcome) shares: the runner's
 * options and the helpers built from them once per runner, so no step builds anything per job.
 */
export class RunnerParts {
  readonly options: JobRunnerOptions;
  /** Publishes status changes, calls hooks, continues workflows. */
  readonly effects: JobEffects;
  /** Logs job events and counts them in the job metrics. */
  readonly telemetry: JobTelemetry;
  /** The tasks' concurrency and rate limits. */
  readonly limiter: TaskLimiter;
  /** Reads offloaded arguments back and offloads large results. */
  readonly payloads: PayloadOffload;
  /** What every attempt's lease shares: built once, not per job. */
  readonly leaseOptions: AttemptLeaseOptions;
  /** Beats the running attempts, every `heartbeatIntervalSeconds` from each one's start. */
  readonly heartbeats: HeartbeatTimer;

  constructor(options: JobRunnerOptions) {
    this.options = options;
    this.telemetry = new JobTelemetry(options.logger, options.metrics, options.queueName ?? 'default');
    this.effects = new JobEffects({ ...options, telemetry: this.telemetry });
    this.limiter = new TaskLimiter(options.store, options.transport, options.logger);
    this.payloads = new PayloadOffload(options.payloads);
    this.heartbeats = new HeartbeatTimer(options.heartbeatIntervalSeconds * 1000);
    this.leaseOptions = {
      store: options.store,
      transport: options.transport,
      logger: options.logger,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      leaseExpiry: this.leaseExpiry,
      visibilityCeilingSeconds: options.visibilityCeilingSeconds,
    };
  }

  /** When a job of `task` that ends `status` at `at` expires. */
  expiry(status: FinalStatus, at: number, task?: AnyTask): number {
    const base = this.options.retention ?? retentionDefaults;
    // Merged only for a task with a retention of its own: most jobs' expiry builds nothing.
    return expiryOf(status, at, task?.retention ? { ...base, ...task.retention } : base);
  }

  /**
   * When a lease taken or renewed at `now` lapses: a little before the message's visibility does, so the
   * delivery that follows a lost worker finds its lease already expired (and takes over at once) even
   * when the claim came some milliseconds after the receive, or the clocks of two workers differ a little.
   * An arrow property, so an attempt's lease can be handed it as is.
   */
  readonly leaseExpiry = (now: number): number => {
    const visibilityMs = this.options.visibilityTimeoutSeconds * 1000;
    return now + visibilityMs - Math.min(2_000, visibilityMs / 4);
  };
}
