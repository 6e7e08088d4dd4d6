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
    const metrics = this.#metrics;
    metrics?.count(this.#queue, job.task, JobCounter.started);
    const line = this.#line(job);
    // A retry's wait is its backoff, chosen on purpose; the first attempt's wait is the queue's.
    if (job.attempts === 1) {
      const waitedMs = attemptStartOf(job) - (job.runAt ?? job.enqueuedAt);
      metrics?.time(this.#queue, job.task, JobTiming.timeInQueue, waitedMs);
      line.waitedMs = waitedMs;
    }
    this.#emit('info', JobLogEvent.claimed, job, line);
  }

  /** An attempt ended and its status is written: succeeded, retrying, failed or cancelled. */
  ended(job: JobRecord): void {
    const endedAt = job.history[job.history.length - 1]?.at ?? job.finishedAt ?? Date.now();
    const durationMs = endedAt - attemptStartOf(job);
    const metrics = this.#metrics;
    const queue = this.#queue;
    metrics?.time(queue, job.task, JobTiming.attemptDuration, durationMs);
    if (job.error?.code === ErrorCode.timeout) metrics?.count(queue, job.task, JobCounter.timedOut);
    const line = this.#line(job);
    line.durationMs = durationMs;
    if (job.status === JobStatus.retrying) {
      metrics?.count(queue, job.task, JobCounter.retried);
      if (job.nextAttemptAt) line.nextAttemptAt = job.nextAttemptAt;
      this.#emit('warn', JobLogEvent.retried, job, line);
      return;
    }
    const endToEndMs = endedAt - job.enqueuedAt;
    metrics?.time(queue, job.task, JobTiming.endToEnd, endToEndMs);
    line.endToEndMs = endToEndMs;
    if (job.status === JobStatus.succeeded) {
      metrics?.count(queue, job.task, JobCounter.succeeded);
      this.#emit('info', JobLogEvent.succeeded, job, line);
    } else if (job.status === JobStatus.cancelled) {
      metrics?.count(queue, job.task, JobCounter.cancelled);
      this.#emit('info', JobLogEvent.cancelled, job, line);
    } else if (job.status === JobStatus.failed) {
      metrics?.count(queue, job.task, JobCounter.failed);
      if (job.deadLettered) metrics?.count(queue, job.task, JobCounter.deadLettered);
      const event = job.deadLettered ? JobLogEvent.deadLettered : JobLogEvent.failed;
      this.#emit('error', event, job, line);
    }
  }

  /** Another delivery owns the job now: this attempt's result is discarded. */
  lockLost(job: JobRecord): void {
    const line = this.#line(job);
    line.durationMs = Date.now() - attemptStartOf(job);
    this.#emit('warn', JobLogEvent.lockLost, job, line);
  }

  /** Writes the pending metrics (a Lambda invocation's end, a worker's flush interval). */
  flush(): void {
    this.#metrics?.flush();
  }

  /**
   * The fields every job line starts with; the caller adds its own, then `#emit` the last ones. Fields
   * are set one after the other on one object rather than spread from several: a line per job event.
   */
  #line(job: JobRecord): Record<string, unknown> {
    return { jobId: job.id, task: job.task, queue: this.#queue, attempt: job.attempts, status: job.status };
  }

  #emit(level: keyof Logger, message: string, job: JobRecord, line: Record<string, unknown>): void {
    // A running job still carries the error of the attempt before: only an ended attempt's counts.
    if (job.error && job.status !== JobStatus.succeeded && job.status !== JobStatus.running) {
      line.errorCode = job.error.code;
    }
    const traceId = activeTraceId();
    if (traceId) line.traceId = traceId;
    this.#logger[level](message, line);
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
