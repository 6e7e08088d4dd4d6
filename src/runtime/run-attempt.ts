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
import type { Disposition, ProcessingEnd } from './disposition.js';
import { recordOutcome } from './record-outcome.js';
import type { RunnerParts } from './runner-parts.js';
import { type AttemptOutcome, type Settled, SettleWithinGrace } from './settle-within-grace.js';
import type { Permit } from './task-limiter.js';

/**
 * Runs the claimed job's attempt and records its outcome, then tells `end` the disposition. The task gets
 * its context (progress, logs) and an abort signal, which fires on its timeout, a cancel request, a lost
 * lock or `stopSignal`; meanwhile heartbeats renew the message's visibility, the job's lease and `permit`,
 * and flush progress and logs.
 *
 * Answers through `end` rather than a promise: while the task runs, the attempt holds one reaction on the
 * task's promise and nothing else waits, no paused frame, no chain of promises each with its reaction and
 * closures, for as long as the task takes.
 */
export function runAttempt(
  parts: RunnerParts,
  message: QueueMessage,
  receivedAt: number,
  task: AnyTask,
  args: unknown,
  job: JobRecord,
  stopSignal: AbortSignal | undefined,
  workflow: WorkflowRef | undefined,
  permit: Permit | undefined,
  span: AttemptSpan,
  end: ProcessingEnd,
): void {
  let running: RunningAttempt | undefined;
  try {
    const { options: o } = parts;
    // Logged and counted here rather than at the claim, so the line carries the attempt's trace id.
    parts.telemetry.claimed(job);
    const graceMs = Math.min(task.timeoutGraceMs, o.maxAbortGraceMs ?? Number.POSITIVE_INFINITY);
    running = new RunningAttempt(
      parts,
      task,
      job,
      message,
      receivedAt,
      stopSignal,
      workflow,
      permit,
      graceMs,
      span,
      end,
    );
    running.start(args);
  } catch (error) {
    running?.stopTimers();
    end.failed(error);
  }
}

/**
 * What a running attempt holds: its abort, its locks, what the task reported and not yet written, and
 * its timers; and, as a {@link SettleWithinGrace}, the watch on its task. One object with methods, not a
 * closure per callback: an attempt may wait for hours, and each closure (with the context it keeps) is
 * heap held for as long.
 */
class RunningAttempt extends SettleWithinGrace {
  readonly controller: AttemptAbort;
  readonly state: AttemptState;
  readonly lease: AttemptLease;
  readonly ctx: TaskContext;
  readonly #parts: RunnerParts;
  readonly #task: AnyTask;
  readonly #job: JobRecord;
  readonly #fence: Fence;
  readonly #stopSignal: AbortSignal | undefined;
  readonly #workflow: WorkflowRef | undefined;
  readonly #permit: Permit | undefined;
  readonly #span: AttemptSpan;
  /** Told the disposition once the outcome is recorded. */
  readonly #end: ProcessingEnd;
  readonly #timeout: NodeJS.Timeout | undefined;
  /**
   * Writes to the job, one after the other, so a heartbeat and a progress flush never race each other.
   * They go on after an abort (a cancelled task may still be winding down within its grace), until the
   * lock is lost or the attempt ends.
   */
  #writes: Promise<void> | undefined;
  #writesOver = false;
  // Counting from the start means a job shorter than the interval writes its progress and logs only
  // with its result: no extra write.
  #lastFlush = Date.now();

  constructor(
    parts: RunnerParts,
    task: AnyTask,
    job: JobRecord,
    message: QueueMessage,
    receivedAt: number,
    stopSignal: AbortSignal | undefined,
    workflow: WorkflowRef | undefined,
    permit: Permit | undefined,
    graceMs: number,
    span: AttemptSpan,
    end: ProcessingEnd,
  ) {
    const controller = new AttemptAbort();
    super(controller, graceMs);
    this.controller = controller;
    this.#parts = parts;
    this.#task = task;
    this.#job = job;
    this.#stopSignal = stopSignal;
    this.#workflow = workflow;
    this.#permit = permit;
    this.#span = span;
    this.#end = end;
    const fence: Fence = {
      attempt: job.attempts,
      workerId: parts.options.workerId,
      token: job.leaseToken ?? '',
    };
    this.#fence = fence;
    this.state = new AttemptState(job.logs.length);
    this.lease = new AttemptLease(parts.leaseOptions, job.id, fence, message, receivedAt);
    this.ctx = new AttemptContext(this, job, task.name);
    if (stopSignal?.aborted) this.stop();
    else if (stopSignal) stopOnAbort(stopSignal, this);
    if (task.timeoutMs !== undefined) {
      this.#timeout = setTimeout(timedOut, task.timeoutMs, this, task.name, task.timeoutMs);
    }
    parts.heartbeats.add(this);
  }

  /** Runs the task with `args`. */
  start(args: unknown): void {
    this.watch(() => this.#task.execute(args, this.ctx));
  }

  /**
   * The task settled (or its grace ran out): records the outcome, in the attempt's span (the grace's timer
   * runs in whatever context aborted the attempt), and answers.
   */
  protected settled(settled: Settled): void {
    const end = this.#end;
    let recording: Promise<Disposition>;
    try {
      recording = this.#span.active(() => this.#record(settled));
    } catch (error) {
      end.failed(error);
      return;
    }
    recording.then(
      (disposition) => end.ended(disposition),
      (error: unknown) => end.failed(error),
    );
  }

  /** Stops the attempt's timers and writes, and records the outcome. */
  async #record(settled: Settled): Promise<Disposition> {
    const parts = this.#parts;
    const job = this.#job;
    const { controller } = this;
    let outcome: AttemptOutcome;
    try {
      if (settled.ignoredAbort) {
        // Its code may still be running: the slot is freed anyway, so one stuck task cannot stall a worker.
        parts.options.logger.warn('task ignored its abort signal', {
          jobId: job.id,
          task: this.#task.name,
          graceMs: this.graceMs,
          reason: serializeError(controller.reason).code,
        });
      }
      outcome = settled.outcome;
      this.#span.settled(outcome);
    } finally {
      this.stopTimers();
    }
    const writing = this.endWrites();
    if (writing) await writing;
    if (outcome.ok === false && outcome.error instanceof LockLostError) {
      parts.telemetry.lockLost(job);
      return { kind: 'abandon' };
    }
    controller.finish();
    try {
      return await recordOutcome(
        parts,
        this.lease,
        this.#task,
        job,
        this.#fence,
        this.state,
        outcome,
        this.#workflow,
        this.#stopSignal,
      );
    } catch (error) {
      if (!(error instanceof LockLostError)) throw error;
      parts.telemetry.lockLost(job);
      return { kind: 'abandon' };
    }
  }

  /**
   * `stopSignal` aborted: a runtime may stop an attempt with its own reason (a Lambda deadline);
   * otherwise it is a shutdown.
   */
  stop(): void {
    const reason = this.#stopSignal?.reason;
    this.controller.abort(reason instanceof LonghaulError ? reason : new WorkerShutdownError());
  }

  /** The task settled (or its grace ran out): no more timeouts, heartbeats or stop. */
  stopTimers(): void {
    clearTimeout(this.#timeout);
    this.#parts.heartbeats.delete(this);
    if (this.#stopSignal) stoppedBy.get(this.#stopSignal)?.delete(this);
  }

  /**
   * Waits for the writes under way; none start after. Undefined when none was ever started (an attempt
   * shorter than its heartbeat interval and progress throttle): nothing to wait for, not even a tick.
   */
  endWrites(): Promise<void> | undefined {
    const writes = this.#writes;
    if (!writes) {
      this.#writesOver = true;
      return undefined;
    }
    return writes.then(() => {
      this.#writesOver = true;
    });
  }

  heartbeat(): void {
    void this.#permit?.renew(this.#parts.leaseExpiry(Date.now()));
    this.#write(true);
  }

  /** Writes progress and log lines, unless they were written less than `progressIntervalMs` ago. */
  flushSoon(): void {
    const now = Date.now();
    if (now - this.#lastFlush < this.#parts.options.progressIntervalMs) return;
    this.#lastFlush = now;
    this.#write(false);
  }

  #write(heartbeat: boolean): void {
    const before = this.#writes ?? Promise.resolve();
    this.#writes = before.then(() => this.#writeNow(heartbeat));
  }

  async #writeNow(heartbeat: boolean): Promise<void> {
    if (this.#writesOver) return;
    const jobId = this.#job.id;
    try {
      const record = heartbeat ? await this.lease.heartbeat(this.state) : await this.lease.flush(this.state);
      // A cancel request arrives with the record a heartbeat or flush wrote.
      if (record?.cancelRequestedAt !== undefined) this.controller.abort(new JobCancelledError(jobId));
    } catch (error) {
      if (error instanceof LockLostError) {
        this.#writesOver = true;
        this.controller.abort(error);
        return;
      }
      this.#parts.options.logger.warn('could not update a running job', {
        jobId,
        error: String(error),
      });
    }
  }
}

/**
 * The running attempts each stop signal stops (a worker's shutdown, a Lambda invocation's deadline): one
 * listener per signal rather than one per attempt, which cost an EventTarget listener entry per job.
 */
const stoppedBy = new WeakMap<AbortSignal, Set<RunningAttempt>>();

function stopOnAbort(signal: AbortSignal, running: RunningAttempt): void {
  let attempts = stoppedBy.get(signal);
  if (!attempts) {
    const stopping = new Set<RunningAttempt>();
    attempts = stopping;
    stoppedBy.set(signal, stopping);
    signal.addEventListener(
      'abort',
      () => {
        for (const attempt of [...stopping]) attempt.stop();
        stopping.clear();
      },
      { once: true },
    );
  }
  attempts.add(running);
}

function timedOut(running: RunningAttempt, task: string, timeoutMs: number): void {
  running.controller.abort(new TaskTimeoutError(task, timeoutMs));
}

/**
 * The accessors of every context's `signal`, `progress` and `log`: one getter each for all contexts, so
 * contexts share their hidden class.
 */
let signalProperty: PropertyDescriptor;
let progressProperty: PropertyDescriptor;
let logProperty: PropertyDescriptor;

/**
 * The task's context: `progress` and `log` work unbound, as plain functions of the task. `signal`,
 * `progress` and `log` are own, enumerable accessors, as in an object literal, so each is made only when
 * the task reads it: the signal, and the two functions (with the context they share, some 160 bytes per
 * running attempt), which most tasks never read. Not an object literal with getters: V8 makes each such
 * object a slow dictionary (about 1 KiB per running attempt, and half a microsecond to build); here one
 * getter serves every context.
 */
class AttemptContext implements TaskContext {
  readonly jobId: string;
  readonly taskName: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  declare readonly signal: AbortSignal;
  declare readonly progress: TaskContext['progress'];
  declare readonly log: TaskContext['log'];
  readonly #running: RunningAttempt;
  /** The task's `progress` and `log`, made together on the first read of either. */
  #progress: TaskContext['progress'] | undefined;
  #log: TaskContext['log'] | undefined;

  constructor(running: RunningAttempt, job: JobRecord, taskName: string) {
    this.jobId = job.id;
    this.taskName = taskName;
    this.attempt = job.attempts;
    this.maxAttempts = job.maxAttempts;
    this.#running = running;
    // Defined in the order of the literal this replaces: signal, then progress and log.
    Object.defineProperty(this, 'signal', signalProperty);
    Object.defineProperty(this, 'progress', progressProperty);
    Object.defineProperty(this, 'log', logProperty);
  }

  /** Makes the task's `progress` and `log`, the same functions for every read after. */
  #makeFunctions(): void {
    const running = this.#running;
    const { state } = running;
    this.#progress = (fraction, progressMessage) => {
      state.setProgress(fraction, progressMessage);
      running.flushSoon();
    };
    this.#log = (line, level) => {
      state.log(line, level);
      running.flushSoon();
    };
  }

  /** The context `object` is, or was made from (`Object.create(ctx)`): its own context answers. */
  static #of(object: object, field: string): AttemptContext {
    let context: object | null = object;
    while (context !== null && !(#running in context)) context = Object.getPrototypeOf(context);
    if (context === null) throw new TypeError(`${field} read from an object that is no task context`);
    return context as AttemptContext;
  }

  static {
    signalProperty = {
      get(this: object): AbortSignal {
        return AttemptContext.#of(this, 'signal').#running.controller.signal;
      },
      enumerable: true,
      configurable: true,
    };
    progressProperty = {
      get(this: object): TaskContext['progress'] {
        const context = AttemptContext.#of(this, 'progress');
        if (!context.#progress) context.#makeFunctions();
        return context.#progress as TaskContext['progress'];
      },
      enumerable: true,
      configurable: true,
    };
    logProperty = {
      get(this: object): TaskContext['log'] {
        const context = AttemptContext.#of(this, 'log');
        if (!context.#log) context.#makeFunctions();
        return context.#log as TaskContext['log'];
      },
      enumerable: true,
      configurable: true,
    };
  }
}
