import { randomUUID } from 'node:crypto';
import { PayloadOffload } from '../client/payload-offload.js';
import { decodeEnvelope, type Envelope, salvageFrom } from '../core/envelope.js';
import {
  InvalidArgsError,
  InvalidKeyError,
  InvalidResultError,
  JobCancelledError,
  LockLostError,
  LonghaulError,
  MalformedMessageError,
  PayloadTooLargeError,
  PayloadUnavailableError,
  ResultTooLargeError,
  ScheduleOverlapError,
  serializeError,
  TaskTimeoutError,
  UnknownTaskError,
  UnrecoverableError,
  WorkerLostError,
  WorkerShutdownError,
} from '../core/errors.js';
import type { JobHooks } from '../core/hooks.js';
import { isFinalStatus, type JobRecord, JobStatus } from '../core/job.js';
import { stateChangeOf } from '../core/job-events.js';
import { jsonBytes, limits, truncateUtf8 } from '../core/limits.js';
import type { Logger } from '../core/logger.js';
import type {
  DeadLetterReason,
  EventPublisher,
  Fence,
  JobStore,
  PayloadStore,
  QueueMessage,
  Transport,
  WorkflowStore,
} from '../core/ports.js';
import {
  expiryOf,
  type FinalStatus,
  isExpired,
  type Retention,
  retentionDefaults,
} from '../core/retention.js';
import { backoffDelaySeconds, maxVisibilitySeconds } from '../core/retry.js';
import { OverlapPolicy } from '../core/schedule-ref.js';
import type { AnyTask, TaskContext, TaskRegistry } from '../core/task.js';
import type { WorkflowRef } from '../core/workflow-ref.js';
import { JobEffects } from './after-final.js';
import { AttemptLease } from './attempt-lease.js';
import { AttemptState } from './attempt-state.js';
import { settleWithinGrace } from './settle-within-grace.js';
import { type Admission, type Permit, TaskLimiter } from './task-limiter.js';

/** What the caller must do with a message once the runner is done with it. */
export type Disposition =
  /**
   * Delete it: the job finished, or the message was a stale duplicate. `message` is set when a long job
   * moved to a fresh message: delete that one (the received one is gone already).
   */
  | { readonly kind: 'ack'; readonly message?: QueueMessage }
  /** It is already hidden for `delaySeconds` (a retry backoff, or waiting for another worker's lease). */
  | { readonly kind: 'release'; readonly delaySeconds: number }
  /** It was moved to the dead-letter queue. */
  | { readonly kind: 'deadLettered'; readonly reason: DeadLetterReason }
  /** Leave it alone: another delivery owns the job now. */
  | { readonly kind: 'abandon' };

/** What a `JobRunner` needs; the worker and the Lambda handler build it from their own options. */
export interface JobRunnerOptions {
  readonly registry: TaskRegistry;
  readonly store: JobStore;
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
}

/**
 * Takes one delivered message through the job lifecycle: decode, validate, claim, run with heartbeats,
 * record the outcome. Shared by every runtime (long-running worker, Lambda handler), which only apply
 * the returned {@link Disposition} to the message.
 */
export class JobRunner {
  readonly #o: JobRunnerOptions;
  readonly #effects: JobEffects;
  readonly #limiter: TaskLimiter;
  readonly #payloads: PayloadOffload;

  constructor(options: JobRunnerOptions) {
    this.#o = options;
    this.#effects = new JobEffects(options);
    this.#limiter = new TaskLimiter(options.store, options.transport, options.logger);
    this.#payloads = new PayloadOffload(options.payloads);
  }

  /** When a job of `task` that ends `status` at `at` expires. */
  #expiry(status: FinalStatus, at: number, task?: AnyTask): number {
    const retention = { ...(this.#o.retention ?? retentionDefaults), ...task?.retention };
    return expiryOf(status, at, retention);
  }

  /**
   * Processes `message`. `stopSignal` aborts a running attempt (worker shutdown past its grace period).
   * Rejects only when the backend itself fails; the message then reappears after its visibility timeout.
   */
  async process(message: QueueMessage, stopSignal?: AbortSignal): Promise<Disposition> {
    const receivedAt = Date.now();
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(message.body);
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      const salvage = salvageFrom(error);
      if (salvage.id) {
        await this.#reject(
          message,
          { id: salvage.id, task: salvage.task ?? '(unknown)', enqueuedAt: message.sentAt },
          error,
        );
      } else {
        this.#o.logger.error('malformed message moved to the dead-letter queue', {
          messageId: message.messageId,
          reason: error.message,
        });
      }
      return this.#deadLetter(message, error, salvage.id);
    }

    const task = this.#o.registry.get(envelope.task);
    if (!task) {
      const error = new UnknownTaskError(envelope.task, this.#o.registry.names);
      await this.#reject(message, envelope, error);
      return this.#deadLetter(message, error, envelope.id);
    }

    let rawArgs: unknown = envelope.args;
    if (envelope.argsRef) {
      try {
        rawArgs = await this.#payloads.read(envelope.argsRef);
      } catch (error) {
        if (!(error instanceof PayloadUnavailableError)) throw error;
        await this.#reject(message, envelope, error, task.retry.maxAttempts, task);
        return this.#deadLetter(message, error, envelope.id);
      }
    }
    let args: unknown;
    try {
      args = await task.parseArgs(rawArgs);
    } catch (error) {
      if (!(error instanceof InvalidArgsError)) throw error;
      await this.#reject(message, envelope, error, task.retry.maxAttempts, task);
      return this.#deadLetter(message, error, envelope.id);
    }

    if (stopSignal?.aborted) {
      // The worker is stopping: starting now would only interrupt the task. Hand the message back.
      await this.#o.transport.changeVisibility(message, 0);
      return { kind: 'release', delaySeconds: 0 };
    }
    let admission: Admission;
    try {
      admission = await this.#limiter.admit(task, args, this.#leaseExpiry(Date.now()), envelope.enqueuedAt);
    } catch (error) {
      if (!(error instanceof InvalidKeyError)) throw error;
      await this.#reject(message, envelope, error, task.retry.maxAttempts);
      return this.#deadLetter(message, error, envelope.id);
    }
    // Over a limit: a delayed copy carries the job, so this delivery is done with (deleted, not released).
    if (!admission.admitted && (await this.#limiter.postpone(message, envelope.id, admission.limited))) {
      return { kind: 'ack' };
    }
    const permit = admission.admitted ? admission.permit : undefined;
    try {
      return await this.#claimAndRun(message, receivedAt, envelope, task, args, stopSignal, permit);
    } finally {
      await permit?.release();
    }
  }

  /** Claims the admitted job and runs its attempt; `permit` is its concurrency slot, if limited. */
  async #claimAndRun(
    message: QueueMessage,
    receivedAt: number,
    envelope: Envelope,
    task: AnyTask,
    args: unknown,
    stopSignal: AbortSignal | undefined,
    permit: Permit | undefined,
  ): Promise<Disposition> {
    const claim = await this.#claim(envelope, task, message, receivedAt);
    if ('disposition' in claim) {
      // A redelivery of a finished job: its worker may have died before the effects, which repeat safely.
      if (claim.final) await this.#effects.final(task, claim.final, envelope.workflow, true);
      if (claim.disposition.kind === 'release') {
        await this.#o.transport.changeVisibility(message, claim.disposition.delaySeconds);
      }
      if (claim.disposition.kind === 'deadLettered') {
        await this.#o.transport.deadLetter(message, claim.disposition.reason);
      }
      return claim.disposition;
    }
    if (envelope.schedule?.overlap === OverlapPolicy.skip) {
      const previous = await this.#unfinishedPreviousRun(envelope.schedule.name, claim.job.id);
      if (previous !== undefined) {
        const error = new ScheduleOverlapError(envelope.schedule.name, previous);
        this.#o.logger.info('skipped a scheduled run: the previous run has not finished', {
          jobId: claim.job.id,
          previousJobId: previous,
        });
        const fence: Fence = {
          attempt: claim.job.attempts,
          workerId: this.#o.workerId,
          token: claim.job.leaseToken ?? '',
        };
        const at = Date.now();
        const cancelled = await this.#o.store.complete(claim.job.id, fence, {
          status: 'cancelled',
          at,
          error: serializeError(error),
          deadLettered: false,
          logs: [],
          expiresAt: this.#expiry('cancelled', at, task),
        });
        await this.#effects.final(task, cancelled, envelope.workflow);
        return { kind: 'ack' };
      }
    }
    await this.#effects.changed([stateChangeOf(claim.job)]);
    return this.#runAttempt(
      message,
      receivedAt,
      task,
      args,
      claim.job,
      stopSignal,
      envelope.workflow,
      permit,
    );
  }

  /**
   * Takes the schedule's hold for `jobId` unless an earlier run holds it and is still queued, running or
   * retrying; returns that run's id. A holder found finished (or expired) is replaced in the same
   * conditional write, so two runs racing for the hold cannot both win.
   */
  async #unfinishedPreviousRun(schedule: string, jobId: string): Promise<string | undefined> {
    let replacing: string | undefined;
    for (let tries = 0; tries < 5; tries++) {
      const hold = await this.#o.store.holdSchedule(schedule, jobId, replacing);
      if (hold.held) return undefined;
      const holder = await this.#o.store.get(hold.holder);
      if (holder && !isFinalStatus(holder.status)) return hold.holder;
      replacing = hold.holder;
    }
    // Holders keep changing under us: other runs are starting right now, so this one overlaps them.
    return replacing;
  }

  /**
   * When a lease taken or renewed at `now` lapses: a little before the message's visibility does, so the
   * delivery that follows a lost worker finds its lease already expired (and takes over at once) even
   * when the claim came some milliseconds after the receive, or the clocks of two workers differ a little.
   */
  #leaseExpiry(now: number): number {
    const visibilityMs = this.#o.visibilityTimeoutSeconds * 1000;
    return now + visibilityMs - Math.min(2_000, visibilityMs / 4);
  }

  /** Claims the job, taking over from a lost worker when its lease expired. */
  async #claim(
    envelope: Envelope,
    task: AnyTask,
    message: QueueMessage,
    receivedAt: number,
  ): Promise<{ job: JobRecord } | { disposition: Disposition; final?: JobRecord }> {
    const now = Date.now();
    const request = {
      envelope,
      deliveryCount: message.receiveCount,
      maxAttempts: task.retry.maxAttempts,
      workerId: this.#o.workerId,
      token: randomUUID(),
      now,
      leaseExpiresAt: this.#leaseExpiry(now),
    };
    let outcome = await this.#o.store.claim(request);
    if (outcome.claimed) return { job: outcome.job };
    let job = outcome.job;
    if (job.status === JobStatus.running && job.leaseExpiresAt !== undefined && job.leaseExpiresAt < now) {
      // The worker of attempt `job.attempts` stopped renewing its lease: it crashed or was killed.
      if (job.cancelRequestedAt !== undefined) {
        // Cancelled while it ran: the cancel is honoured at dequeue instead of starting it again.
        const rejected = await this.#o.store.reject({
          id: job.id,
          task: job.task,
          maxAttempts: job.maxAttempts,
          guard: { kind: 'lost', attempt: job.attempts, now },
          error: serializeError(new JobCancelledError(job.id)),
          deadLettered: false,
          at: now,
          status: 'cancelled',
          expiresAt: this.#expiry('cancelled', now, task),
        });
        if (rejected) {
          const cancelled = await this.#o.store.get(job.id);
          return { disposition: { kind: 'ack' }, ...(cancelled ? { final: cancelled } : {}) };
        }
      } else if (job.attempts >= job.maxAttempts) {
        const error = new WorkerLostError(job.workerId, job.attempts);
        const rejected = await this.#o.store.reject({
          id: job.id,
          task: job.task,
          maxAttempts: job.maxAttempts,
          guard: { kind: 'lost', attempt: job.attempts, now },
          error: serializeError(error),
          deadLettered: true,
          at: now,
          expiresAt: this.#expiry('failed', now, task),
        });
        if (rejected) {
          await this.#effects.changed([
            {
              ...stateChangeOf(job, JobStatus.running),
              status: JobStatus.failed,
              error: { code: error.code, message: error.message },
              at: now,
            },
          ]);
          return { disposition: { kind: 'deadLettered', reason: reasonOf(error, job.id) } };
        }
      } else {
        outcome = await this.#o.store.takeOver(request, job);
        if (outcome.claimed) return { job: outcome.job };
      }
      job = (await this.#o.store.get(job.id)) ?? job;
    }
    if (isFinalStatus(job.status) && isExpired(job, now)) {
      // Its retention is over: the record counts as deleted (TTL deletes it within days), so this message
      // (a redrive, a resend) is a new job, as it would be once the item is gone.
      await this.#o.store.remove([job.id]);
      outcome = await this.#o.store.claim(request);
      if (outcome.claimed) return { job: outcome.job };
      job = outcome.job;
    }
    if (isFinalStatus(job.status)) return { disposition: { kind: 'ack' }, final: job };
    if (job.status === JobStatus.running && job.handoff !== undefined) {
      // The owner is moving the job to a fresh message (this one, or another copy): leave this delivery
      // on the record for it to adopt, and let go of it without touching its visibility.
      const registered = await this.#o.store.registerHandoff(job.id, {
        messageId: message.messageId,
        receipt: message.receipt,
        receiveCount: message.receiveCount,
        sentAt: message.sentAt,
        receivedAt,
      });
      if (registered) return { disposition: { kind: 'abandon' } };
    }
    // Another delivery of this job holds a live lease: look again once it would have lapsed.
    const waitMs = (job.leaseExpiresAt ?? now) - now;
    return {
      disposition: {
        kind: 'release',
        delaySeconds: Math.min(maxVisibilitySeconds, Math.max(1, Math.ceil(waitMs / 1000) + 1)),
      },
    };
  }

  async #runAttempt(
    message: QueueMessage,
    receivedAt: number,
    task: AnyTask,
    args: unknown,
    job: JobRecord,
    stopSignal: AbortSignal | undefined,
    workflow: WorkflowRef | undefined,
    permit?: Permit,
  ): Promise<Disposition> {
    const fence: Fence = { attempt: job.attempts, workerId: this.#o.workerId, token: job.leaseToken ?? '' };
    const attempt = new AttemptState(job.logs.length);
    const lease = new AttemptLease(
      {
        store: this.#o.store,
        transport: this.#o.transport,
        logger: this.#o.logger,
        jobId: job.id,
        fence,
        visibilityTimeoutSeconds: this.#o.visibilityTimeoutSeconds,
        leaseExpiry: (now) => this.#leaseExpiry(now),
        ...(this.#o.visibilityCeilingSeconds !== undefined
          ? { visibilityCeilingSeconds: this.#o.visibilityCeilingSeconds }
          : {}),
      },
      message,
      receivedAt,
    );
    const controller = new AbortController();
    const abort = (reason: unknown) => {
      if (!controller.signal.aborted) controller.abort(reason);
    };
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
          this.#o.logger.warn('could not update a running job', { jobId: job.id, error: String(error) });
        }
      });
    };
    timers.push(
      setInterval(() => {
        void permit?.renew(this.#leaseExpiry(Date.now()));
        write(async () => observe(await lease.heartbeat(attempt)));
      }, this.#o.heartbeatIntervalSeconds * 1000),
    );
    // Counting from the start means a job shorter than the interval writes its progress and logs only
    // with its result: no extra write.
    let lastFlush = Date.now();
    const flushSoon = () => {
      const now = Date.now();
      if (now - lastFlush < this.#o.progressIntervalMs) return;
      lastFlush = now;
      write(async () => observe(await lease.flush(attempt)));
    };

    const ctx: TaskContext = {
      jobId: job.id,
      taskName: task.name,
      attempt: job.attempts,
      maxAttempts: job.maxAttempts,
      signal: controller.signal,
      progress: (fraction, progressMessage) => {
        attempt.setProgress(fraction, progressMessage);
        flushSoon();
      },
      log: (line, level) => {
        attempt.log(line, level);
        flushSoon();
      },
    };

    const graceMs = Math.min(task.timeoutGraceMs, this.#o.maxAbortGraceMs ?? Number.POSITIVE_INFINITY);
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      const settled = await settleWithinGrace(() => task.execute(args, ctx), controller.signal, graceMs);
      if (settled.ignoredAbort) {
        // Its code may still be running: the slot is freed anyway, so one stuck task cannot stall a worker.
        this.#o.logger.warn('task ignored its abort signal', {
          jobId: job.id,
          task: task.name,
          graceMs,
          reason: serializeError(controller.signal.reason).code,
        });
      }
      outcome = settled.outcome;
    } finally {
      for (const timer of timers) clearTimeout(timer);
      stopSignal?.removeEventListener('abort', onStop);
    }
    await writes;
    writesOver = true;
    if (outcome.ok === false && outcome.error instanceof LockLostError) {
      this.#o.logger.warn('lost the lock on a running job; its result is discarded', { jobId: job.id });
      return { kind: 'abandon' };
    }
    controller.abort(new Error('attempt finished'));
    try {
      return await this.#finish(lease, task, job, fence, attempt, outcome, workflow);
    } catch (error) {
      if (error instanceof LockLostError) return { kind: 'abandon' };
      throw error;
    }
  }

  async #finish(
    lease: AttemptLease,
    task: AnyTask,
    job: JobRecord,
    fence: Fence,
    attempt: AttemptState,
    outcome: { ok: true; value: unknown } | { ok: false; error: unknown },
    workflow: WorkflowRef | undefined,
  ): Promise<Disposition> {
    const at = Date.now();
    const message = lease.message;
    // The ack names the message to delete when the job moved to a fresh one.
    const ack: Disposition =
      message.receipt === lease.received.receipt ? { kind: 'ack' } : { kind: 'ack', message };
    const stored = outcome.ok
      ? await this.#storeResult(task, job, fence, attempt, outcome.value, at)
      : { failure: outcome.error };
    if ('succeeded' in stored) {
      await this.#effects.final(task, stored.succeeded, workflow);
      return ack;
    }
    const failure = stored.failure;
    if (failure instanceof JobCancelledError) {
      const cancelled = await this.#completeCancelled(task, job, fence, attempt, failure, at);
      await this.#effects.final(task, cancelled, workflow);
      return ack;
    }

    const error = serializeError(failure);
    const shutdown = failure instanceof WorkerShutdownError;
    const unrecoverable =
      failure instanceof UnrecoverableError ||
      failure instanceof ResultTooLargeError ||
      failure instanceof InvalidResultError;
    // On the last delivery the queue allows, a retry would end in the dead-letter queue with no reason
    // on the job: fail it here instead, with its error.
    const lastDelivery = this.#o.deliveryLimit !== undefined && message.receiveCount >= this.#o.deliveryLimit;
    if (!shutdown && (unrecoverable || lastDelivery || job.attempts >= job.maxAttempts)) {
      const failed = await this.#o.store.complete(job.id, fence, {
        status: 'failed',
        at,
        error,
        deadLettered: true,
        ...attempt.takeFinal(),
        expiresAt: this.#expiry('failed', at, task),
      });
      const disposition = await this.#deadLetter(message, failure, job.id);
      await this.#effects.final(task, failed, workflow);
      return disposition;
    }
    const delaySeconds = shutdown ? 0 : backoffDelaySeconds(task.retry, job.attempts);
    const final = attempt.takeFinal();
    let retrying: JobRecord;
    try {
      retrying = await this.#o.store.complete(job.id, fence, {
        status: 'retrying',
        at,
        error,
        nextAttemptAt: at + delaySeconds * 1000,
        ...final,
      });
    } catch (completion) {
      if (!(completion instanceof JobCancelledError)) throw completion;
      // A cancel was requested while the attempt was failing: it ends cancelled, not retried.
      attempt.putBack(final);
      const cancelled = await this.#completeCancelled(task, job, fence, attempt, completion, at);
      await this.#effects.final(task, cancelled, workflow);
      return ack;
    }
    await this.#o.transport.changeVisibility(message, delaySeconds);
    await this.#effects.retrying(task, retrying);
    return { kind: 'release', delaySeconds };
  }

  async #completeCancelled(
    task: AnyTask,
    job: JobRecord,
    fence: Fence,
    attempt: AttemptState,
    error: JobCancelledError,
    at: number,
  ): Promise<JobRecord> {
    this.#o.logger.info('cancelled a running job', { jobId: job.id });
    return await this.#o.store.complete(job.id, fence, {
      status: 'cancelled',
      at,
      error: serializeError(error),
      deadLettered: false,
      ...attempt.takeFinal(),
      expiresAt: this.#expiry('cancelled', at, task),
    });
  }

  /** Writes a successful result, or returns the error that makes it a failure instead. */
  async #storeResult(
    task: AnyTask,
    job: JobRecord,
    fence: Fence,
    attempt: AttemptState,
    value: unknown,
    at: number,
  ): Promise<{ succeeded: JobRecord } | { failure: unknown }> {
    let json: string;
    try {
      json = JSON.stringify(value ?? null);
    } catch (cause) {
      return { failure: new InvalidResultError(task.name, cause) };
    }
    const bytes = Buffer.byteLength(json, 'utf8');
    const maxBytes = this.#payloads.maxResultBytes;
    if (bytes > maxBytes) return { failure: new ResultTooLargeError(task.name, bytes, maxBytes) };
    const final = attempt.takeFinal();
    const complete = async (offload: boolean): Promise<JobRecord> => {
      // The object is written before the record that points at it: a reader never follows a dangling ref.
      const resultRef = offload
        ? await this.#payloads.offloadResult(job.id, fence.attempt, fence.token, json)
        : undefined;
      return await this.#o.store.complete(job.id, fence, {
        status: 'succeeded',
        at,
        result: resultRef ? null : JSON.parse(json),
        ...final,
        expiresAt: this.#expiry('succeeded', at, task),
        ...(resultRef ? { resultRef } : {}),
      });
    };
    const offload = this.#payloads.offloadsResult(bytes);
    try {
      return { succeeded: await complete(offload) };
    } catch (error) {
      if (!(error instanceof PayloadTooLargeError)) throw error;
      // The result fits its own limit but not beside the rest of the record (logs, history): offload it
      // when there is a payload store, else fail the job.
      if (!offload && this.#payloads.canOffload) {
        try {
          return { succeeded: await complete(true) };
        } catch (retryError) {
          if (!(retryError instanceof PayloadTooLargeError)) throw retryError;
        }
      }
      attempt.putBack(final);
      return {
        failure: new ResultTooLargeError(task.name, bytes, offload ? maxBytes : limits.maxResultBytes),
      };
    }
  }

  /** Records a bad message's error on its job (creating the record if needed); no attempt is started. */
  async #reject(
    message: QueueMessage,
    job: { id: string; task: string; args?: unknown; enqueuedAt: number },
    error: LonghaulError,
    maxAttempts = 1,
    task?: AnyTask,
  ): Promise<void> {
    const at = Date.now();
    const recorded = await this.#o.store.reject({
      id: job.id,
      task: job.task,
      ...(job.args !== undefined && jsonBytes(job.args) <= limits.maxArgsBytes ? { args: job.args } : {}),
      enqueuedAt: job.enqueuedAt,
      maxAttempts,
      guard: { kind: 'unstarted' },
      error: serializeError(error),
      deadLettered: true,
      at,
      expiresAt: this.#expiry('failed', at, task),
    });
    this.#o.logger.error('rejected a job message', {
      jobId: job.id,
      messageId: message.messageId,
      code: error.code,
      recordedOnJob: recorded,
    });
    if (recorded) {
      await this.#effects.changed([
        {
          jobId: job.id,
          task: job.task,
          status: JobStatus.failed,
          attempt: 0,
          error: { code: error.code, message: truncateUtf8(error.message) },
          at: Date.now(),
        },
      ]);
    }
  }

  async #deadLetter(message: QueueMessage, error: unknown, jobId: string | undefined): Promise<Disposition> {
    const reason = reasonOf(error, jobId);
    await this.#o.transport.deadLetter(message, reason);
    return { kind: 'deadLettered', reason };
  }
}

function reasonOf(error: unknown, jobId: string | undefined): DeadLetterReason {
  const { code, message } = serializeError(error);
  return { code, message: truncateUtf8(message), ...(jobId ? { jobId } : {}) };
}
