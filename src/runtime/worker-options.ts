import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError } from '../core/errors.js';
import type { JobHooks } from '../core/hooks.js';
import { jsonLogger, type Logger } from '../core/logger.js';
import type { Backend } from '../core/ports.js';
import { type RetentionOptions, retentionProblems } from '../core/retention.js';
import { maxVisibilitySeconds } from '../core/retry.js';
import type { AnyTask } from '../core/task.js';
import { withoutUndefined } from '../core/without-undefined.js';
import type { MetricsOptions } from './metrics-options.js';

/** What `createWorker` takes. Every field but `backend` and `tasks` has a default. */
export interface WorkerOptions {
  /** The queue and job store to serve, e.g. `awsBackend(...)` or `memoryBackend()`. */
  readonly backend: Backend;
  /** The tasks this worker runs. A message for any other task fails its job with `unknown_task`. */
  readonly tasks: readonly AnyTask[];
  /** Jobs run at once. Receives ask for no more messages than there are free slots. Default 4. */
  readonly concurrency?: number;
  /** How long a received message stays locked before a heartbeat must renew it. Default 60. */
  readonly visibilityTimeoutSeconds?: number;
  /** How often a running job's lock and lease are renewed; at most half the visibility timeout. Default 20. */
  readonly heartbeatIntervalSeconds?: number;
  /** Long-poll wait of each receive, 0–20. Default 20. */
  readonly waitTimeSeconds?: number;
  /** With `waitTimeSeconds: 0`, the pause after a receive that found nothing. Default 200. */
  readonly emptyReceiveDelayMs?: number;
  /** How long `stop()` lets running jobs finish before aborting them. Default 30 000. */
  readonly shutdownGraceMs?: number;
  /** Minimum interval between progress/log writes of one job. Default 1 000. */
  readonly progressIntervalMs?: number;
  /**
   * How long a finished job's message waits for others to share its delete request: a batch goes out
   * when it holds ten, or this long after its first message (at most a quarter of the visibility
   * timeout). The job's record already says it is over, so the wait costs nothing but the message's
   * place in flight. Default 1 000; 0 deletes at once.
   */
  readonly deleteBatchWindowMs?: number;
  /**
   * A receive costs the same for one message as for ten, so while jobs are quick the worker asks for a
   * few more than its free slots, to start as slots free: as many as wait for a slot no longer than this
   * on average (judged by the jobs' average run time), at most enough to fill one receive of ten. None
   * while jobs are slow, and one that waited a quarter of the visibility timeout is handed back. Default
   * 1 000; 0 receives for free slots only.
   */
  readonly receiveAheadMs?: number;
  /** Recorded on the jobs this worker runs. Default: host name, process id and a random suffix. */
  readonly workerId?: string;
  /**
   * Where job events (claimed, succeeded, failed, retried, dead-lettered, cancelled, lock lost) and the
   * worker's warnings go, one structured line each; any logger with `info`, `warn` and `error` taking a
   * message and fields (Powertools Logger as is, pino through a three-line adapter: docs/observability.md).
   * Default: JSON lines, info on stdout, warnings and errors on stderr.
   */
  readonly logger?: Logger;
  /**
   * Job metrics per queue and task in CloudWatch Embedded Metric Format, written to stdout every
   * `flushIntervalMs` (default 60 s) and when the worker stops: no API call, no IAM permission.
   * `false` turns them off. Default: on, namespace `Longhaul`. See docs/observability.md.
   */
  readonly metrics?: MetricsOptions | false;
  /**
   * `full` (default): every job has its record (status, attempts, progress, logs, result, error).
   * `off`: no record and no DynamoDB request at all, like a bare SQS poller; retries, timeouts and the
   * dead-letter queue with reasons still work, with the message's receive count as the attempt. Pair it
   * with producers in `tracking: 'lean'`. See {@link UntrackedJobStore}.
   */
  readonly tracking?: WorkerTracking;
  /**
   * Hooks called for every task this worker runs, after the task's own: for cross-cutting alerting
   * (`onFinalFailure`) and metrics. Default: none.
   */
  readonly hooks?: JobHooks;
  /**
   * How long one delivery of a running job's message is held before the job moves to a fresh copy of it:
   * SQS refuses to extend a delivery's visibility past 12 hours from its receipt. The record's lease
   * stays the lock, so the job still runs once. Leave the margin for a worker to receive the copy.
   * Default 39 600 (11 hours); at most 43 200 minus `visibilityTimeoutSeconds`.
   */
  readonly visibilityCeilingSeconds?: number;
  /**
   * How long the jobs this worker finishes are kept before they expire (DynamoDB TTL; read as gone at
   * once), by final status. A task's own `retention` overrides it. Defaults: succeeded and cancelled 7
   * days, failed 30 days (`retentionDefaults`).
   */
  readonly retention?: RetentionOptions;
}

/** Whether a worker keeps job records: `full`, or `off`. */
export type WorkerTracking = 'full' | 'off';

/** Worker options with every default applied. */
export type ResolvedWorkerOptions = Required<Omit<WorkerOptions, 'metrics'>> & Pick<WorkerOptions, 'metrics'>;

/** Every numeric default of the worker's options, in one place. */
export const workerDefaults = {
  concurrency: 4,
  visibilityTimeoutSeconds: 60,
  heartbeatIntervalSeconds: 20,
  waitTimeSeconds: 20,
  emptyReceiveDelayMs: 200,
  shutdownGraceMs: 30_000,
  progressIntervalMs: 1_000,
  deleteBatchWindowMs: 1_000,
  receiveAheadMs: 1_000,
  visibilityCeilingSeconds: 39_600,
} as const;

/** Options whose default is not a number. */
const otherDefaults = { tracking: 'full', hooks: {}, retention: {} } as const;

/** Applies defaults and checks every rule at once, naming each field, its limit and the value given. */
export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const o = {
    ...workerDefaults,
    ...otherDefaults,
    workerId: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    logger: jsonLogger,
    ...withoutUndefined(options),
  } as ResolvedWorkerOptions;
  const problems: string[] = [];
  const integer = (field: keyof typeof workerDefaults, min: number, max: number) => {
    const value = o[field];
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`\`${field}\` to be an integer from ${min} to ${max}, got \`${value}\``);
    }
  };
  integer('concurrency', 1, 1000);
  integer('visibilityTimeoutSeconds', 1, maxVisibilitySeconds);
  integer('heartbeatIntervalSeconds', 1, maxVisibilitySeconds);
  integer('waitTimeSeconds', 0, 20);
  integer('emptyReceiveDelayMs', 1, 60_000);
  integer('shutdownGraceMs', 0, 15 * 60_000);
  integer('progressIntervalMs', 0, 3_600_000);
  integer('deleteBatchWindowMs', 0, 10_000);
  integer('receiveAheadMs', 0, 60_000);
  // The last renewal before a move extends the delivery by one visibility timeout: both fit in 12 hours.
  integer('visibilityCeilingSeconds', 1, maxVisibilitySeconds - o.visibilityTimeoutSeconds);
  if (o.heartbeatIntervalSeconds * 2 > o.visibilityTimeoutSeconds) {
    problems.push(
      `\`heartbeatIntervalSeconds\` to be at most half of \`visibilityTimeoutSeconds\` (${o.visibilityTimeoutSeconds}) so a lock is renewed before it lapses, got \`${o.heartbeatIntervalSeconds}\``,
    );
  }
  if (o.tracking !== 'full' && o.tracking !== 'off') {
    problems.push(`\`tracking\` to be "full" or "off", got ${JSON.stringify(o.tracking)}`);
  }
  problems.push(...retentionProblems(o.retention));
  if (!Array.isArray(o.tasks) || o.tasks.length === 0) problems.push('`tasks` to hold at least one task');
  if (!o.backend) problems.push('`backend` to be a backend such as `awsBackend(...)` or `memoryBackend()`');
  if (typeof o.workerId !== 'string' || o.workerId.length === 0 || o.workerId.length > 128) {
    problems.push(`\`workerId\` to be 1–128 characters, got ${JSON.stringify(o.workerId)}`);
  }
  if (problems.length) throw new ConfigError(`Invalid worker options: expected ${problems.join('; ')}`);
  return o;
}
