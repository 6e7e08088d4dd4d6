import { ErrorCode } from '../core/errors.js';
import { type JobRecord, JobStatus } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import { activeTraceId } from './active-trace-id.js';
import { JobCounter, type JobMetrics, JobTiming } from './emf-metrics.js';

/** What a job event log line says of the job: never its arguments, result or error message. */
export const JobLogEvent = {
  claimed: 'job claimed',
  succeeded: 'job succeeded',
  failed: 'job failed',
  retried: 'job will be retried',
  deadLettered: 'job dead-lettered',
  cancelled: 'job cancelled',
  lockLost: 'job lock lost',
} as const;

/**
 * Turns what happens to jobs into one structured log line each and into job metrics: the one place the
 * runtime reports it. Called by the attempt when it starts (inside its CONSUMER span, so the line has the
 * trace id) and when it loses its lock, and by `JobEffects` after every status the runner writes (never
 * for a redelivery's replay of effects, which would count a job twice).
 */
export class JobTelemetry {
  readonly #logger: Logger;
  readonly #metrics: JobMetrics | undefined;
  readonly #queue: string;

  constructor(logger: Logger, metrics: JobMetrics | undefined, queue: string) {
    this.#logger = logger;
    this.#metrics = metrics;
    this.#queue = queue;
  }

  /** An attempt started: counted, with how long the job waited for it on its first attempt. */
  claimed(job: JobRecord): void {
    const startedAt = attemptStartOf(job);
    // A retry's wait is its backoff, chosen on purpose; the first attempt's wait is the queue's.
    const waitedMs = job.attempts === 1 ? startedAt - (job.runAt ?? job.enqueuedAt) : undefined;
    this.#metrics?.count(this.#queue, job.task, JobCounter.started);
    if (waitedMs !== undefined) this.#metrics?.time(this.#queue, job.task, JobTiming.timeInQueue, waitedMs);
    this.#log('info', JobLogEvent.claimed, job, waitedMs !== undefined ? { waitedMs } : {});
  }

  /** An attempt ended and its status is written: succeeded, retrying, failed or cancelled. */
  ended(job: JobRecord): void {
    const endedAt = job.history[job.history.length - 1]?.at ?? job.finishedAt ?? Date.now();
    const durationMs = endedAt - attemptStartOf(job);
    const metrics = this.#metrics;
    const count = (counter: JobCounter) => metrics?.count(this.#queue, job.task, counter);
    metrics?.time(this.#queue, job.task, JobTiming.attemptDuration, durationMs);
    if (job.error?.code === ErrorCode.timeout) count(JobCounter.timedOut);
    if (job.status === JobStatus.retrying) {
      count(JobCounter.retried);
      this.#log('warn', JobLogEvent.retried, job, {
        durationMs,
        ...(job.nextAttemptAt ? { nextAttemptAt: job.nextAttemptAt } : {}),
      });
      return;
    }
    const endToEndMs = endedAt - job.enqueuedAt;
    metrics?.time(this.#queue, job.task, JobTiming.endToEnd, endToEndMs);
    if (job.status === JobStatus.succeeded) {
      count(JobCounter.succeeded);
      this.#log('info', JobLogEvent.succeeded, job, { durationMs, endToEndMs });
    } else if (job.status === JobStatus.cancelled) {
      count(JobCounter.cancelled);
      this.#log('info', JobLogEvent.cancelled, job, { durationMs, endToEndMs });
    } else if (job.status === JobStatus.failed) {
      count(JobCounter.failed);
      if (job.deadLettered) count(JobCounter.deadLettered);
      const event = job.deadLettered ? JobLogEvent.deadLettered : JobLogEvent.failed;
      this.#log('error', event, job, { durationMs, endToEndMs });
    }
  }

  /** Another delivery owns the job now: this attempt's result is discarded. */
  lockLost(job: JobRecord): void {
    this.#log('warn', JobLogEvent.lockLost, job, { durationMs: Date.now() - attemptStartOf(job) });
  }

  /** Writes the pending metrics (a Lambda invocation's end, a worker's flush interval). */
  flush(): void {
    this.#metrics?.flush();
  }

  #log(level: keyof Logger, message: string, job: JobRecord, fields: Record<string, unknown>): void {
    const traceId = activeTraceId();
    this.#logger[level](message, {
      jobId: job.id,
      task: job.task,
      queue: this.#queue,
      attempt: job.attempts,
      status: job.status,
      ...fields,
      // A running job still carries the error of the attempt before: only an ended attempt's counts.
      ...(job.error && job.status !== JobStatus.succeeded && job.status !== JobStatus.running
        ? { errorCode: job.error.code }
        : {}),
      ...(traceId ? { traceId } : {}),
    });
  }
}

/** When the job's current attempt started: its last `running` event, else its first start. */
function attemptStartOf(job: JobRecord): number {
  for (let i = job.history.length - 1; i >= 0; i--) {
    const event = job.history[i];
    if (event?.status === JobStatus.running && event.attempt === job.attempts) return event.at;
  }
  return job.startedAt ?? job.enqueuedAt;
}
