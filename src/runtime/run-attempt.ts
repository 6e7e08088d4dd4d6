import {
  JobCancelledError,
  LockLostError,
  LonghaulError,
  serializeError,
  TaskTimeoutError,
  WorkerShutdownError,
} from '../core/errors.js';
import type { JobRecord } from '../core/job.js';
import type { Fence, QueueMessage } from '../core/ports.js';
import type { AnyTask, TaskContext } from '../core/task.js';
import type { WorkflowRef } from '../core/workflow-ref.js';
import { AttemptAbort } from './attempt-abort.js';
import { AttemptLease } from './attempt-lease.js';
import type { AttemptSpan } from './attempt-span.js';
import { AttemptState } from './attempt-state.js';
import type { Disposition } from './disposition.js';
import { recordOutcome } from './record-outcome.js';
import type { RunnerParts } from './runner-parts.js';
import { type AttemptOutcome, settleWithinGrace } from './settle-within-grace.js';
import type { Permit } from './task-limiter.js';

/**
 * Runs the claimed job's attempt and records its outcome. The task gets its context (progress, logs) and
 * an abort signal, which fires on its timeout, a cancel request, a lost lock or `stopSignal`; meanwhile
 * heartbeats renew the message's visibility, the job's lease and `permit`, and flush progress and logs.
 */
export async function runAttempt(
  parts: RunnerParts,
  message: QueueMessage,
  receivedAt: number,
  task: AnyTask,
  args: unknown,
  job: JobRecord,
  stopSignal: AbortSignal | undefined,
  workflow: WorkflowRef | undefined,
  permit?: Permit,
  span?: AttemptSpan,
): Promise<Disposition> {
  const { options: o } = parts;
  // Logged and counted here rather than at the claim, so the line carries the attempt's trace id.
  parts.telemetry.claimed(job);
  const fence: Fence = { attempt: job.attempts, workerId: o.workerId, token: job.leaseToken ?? '' };
  const attempt = new AttemptState(job.logs.length);
  const lease = new AttemptLease(
    {
      store: o.store,
      transport: o.transport,
      logger: o.logger,
      jobId: job.id,
      fence,
      visibilityTimeoutSeconds: o.visibilityTimeoutSeconds,
      leaseExpiry: parts.leaseExpiry,
      ...(o.visibilityCeilingSeconds !== undefined
        ? { visibilityCeilingSeconds: o.visibilityCeilingSeconds }
        : {}),
    },
    message,
    receivedAt,
  );
  const controller = new AttemptAbort();
  const abort = (reason: unknown) => controller.abort(reason);
  // A runtime may stop an attempt with its own reason (a Lambda deadline); otherwise it is a shutdown.
  const onStop = () =>
    abort(stopSignal?.reason instanceof LonghaulError ? stopSignal.reason : new WorkerShutdownError());
  if (stopSignal?.aborted) onStop();
  stopSignal?.addEventListener('abort', onStop, { once: true });

  const timers: NodeJS.Timeout[] = [];
  if (task.timeoutMs !== undefined) {
    timers.push(
      setTimeout(() => abort(new TaskTimeoutError(task.name, task.timeoutMs as number)), task.timeoutMs),
    );
  }
  // A cancel request arrives with the record a heartbeat or flush wrote.
  const observe = (record: JobRecord | undefined) => {
    if (record?.cancelRequestedAt !== undefined) abort(new JobCancelledError(job.id));
  };
  // Serialize writes to the job so a heartbeat and a progress flush never race each other. They go on
  // after an abort (a cancelled task may still be winding down within its grace), until the lock is
  // lost or the attempt ends.
  let writes: Promise<void> = Promise.resolve();
  let writesOver = false;
  const write = (work: () => Promise<void>) => {
    writes = writes.then(async () => {
      if (writesOver) return;
      try {
        await work();
      } catch (error) {
        if (error instanceof LockLostError) {
          writesOver = true;
          return abort(error);
        }
        o.logger.warn('could not update a running job', { jobId: job.id, error: String(error) });
      }
    });
  };
  timers.push(
    setInterval(() => {
      void permit?.renew(parts.leaseExpiry(Date.now()));
      write(async () => observe(await lease.heartbeat(attempt)));
    }, o.heartbeatIntervalSeconds * 1000),
  );
  // Counting from the start means a job shorter than the interval writes its progress and logs only
  // with its result: no extra write.
  let lastFlush = Date.now();
  const flushSoon = () => {
    const now = Date.now();
    if (now - lastFlush < o.progressIntervalMs) return;
    lastFlush = now;
    write(async () => observe(await lease.flush(attempt)));
  };

  const ctx: TaskContext = {
    jobId: job.id,
    taskName: task.name,
    attempt: job.attempts,
    maxAttempts: job.maxAttempts,
    get signal() {
      return controller.signal;
    },
    progress: (fraction, progressMessage) => {
      attempt.setProgress(fraction, progressMessage);
      flushSoon();
    },
    log: (line, level) => {
      attempt.log(line, level);
      flushSoon();
    },
  };

  const graceMs = Math.min(task.timeoutGraceMs, o.maxAbortGraceMs ?? Number.POSITIVE_INFINITY);
  let outcome: AttemptOutcome;
  try {
    const settled = await settleWithinGrace(() => task.execute(args, ctx), controller, graceMs);
    if (settled.ignoredAbort) {
      // Its code may still be running: the slot is freed anyway, so one stuck task cannot stall a worker.
      o.logger.warn('task ignored its abort signal', {
        jobId: job.id,
        task: task.name,
        graceMs,
        reason: serializeError(controller.reason).code,
      });
    }
    outcome = settled.outcome;
    span?.settled(outcome);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    stopSignal?.removeEventListener('abort', onStop);
  }
  await writes;
  writesOver = true;
  if (outcome.ok === false && outcome.error instanceof LockLostError) {
    parts.telemetry.lockLost(job);
    return { kind: 'abandon' };
  }
  controller.finish();
  try {
    return await recordOutcome(parts, lease, task, job, fence, attempt, outcome, workflow, stopSignal);
  } catch (error) {
    if (!(error instanceof LockLostError)) throw error;
    parts.telemetry.lockLost(job);
    return { kind: 'abandon' };
  }
}
