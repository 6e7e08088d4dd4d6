import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../core/errors.js';
import { env } from '../core/names.js';
import type { QueueMessage } from '../core/ports.js';
import { resolveRetention } from '../core/retention.js';
import { TaskRegistry } from '../core/task.js';
import { DeleteBatcher } from './delete-batcher.js';
import type { ProcessingEnd } from './disposition.js';
import { type Disposition, JobRunner, processInto } from './job-runner.js';
import { queueNameFromUrl, type ResolvedMetrics, resolveMetrics } from './metrics-options.js';
import { ReceiveOutage } from './receive-outage.js';
import { sharedAbortController } from './shared-abort.js';
import { checkLimitsTracked } from './task-limiter.js';
import { UntrackedJobStore } from './untracked-job-store.js';
import { type ResolvedWorkerOptions, resolveWorkerOptions, type WorkerOptions } from './worker-options.js';

/** What a worker has done since it started. */
export interface WorkerStats {
  readonly received: number;
  /** Messages deleted: their job finished, or they were duplicates of a finished job. */
  readonly deleted: number;
  readonly retried: number;
  readonly deadLettered: number;
  /**
   * Messages handed back at once: received while stopping, or their attempt interrupted by the stop (the
   * job went on in a fresh copy of its message).
   */
  readonly released: number;
  readonly abandoned: number;
  readonly crashed: number;
}

/**
 * A long-running worker (a Fargate task, a container, a process): long-polls the queue, runs up to
 * `concurrency` jobs at once, renews each job's lock while it runs, and deletes messages in batches.
 * Each receive asks for as many messages as there are free slots and, while jobs are quick, a few more
 * to fill it (`receiveAheadMs`): those start as slots free, within about a second. While jobs are slow
 * it receives for its free slots only, so a long job never keeps other jobs waiting behind it.
 *
 * @example
 * const worker = createWorker({ backend: awsBackend({ queueUrl, tableName }), tasks: [resize] });
 * worker.stopOnSignals();
 * await worker.run();
 */
export class Worker {
  readonly options: ResolvedWorkerOptions;
  readonly #registry: TaskRegistry;
  readonly #deletes: DeleteBatcher;
  readonly #stopReceiving = new AbortController();
  readonly #abortJobs = sharedAbortController();
  readonly #active = new Set<ActiveJob>();
  /** Waiting for the running jobs to settle (`stop()`, the loop's end): resolved once none runs. */
  readonly #whenIdle: (() => void)[] = [];
  /** The receive loop: ends once running jobs are settled and their messages handed back or deleted. */
  #running: Promise<void> | undefined;
  /** The loop, then the long poll it left behind when stopped (and that poll's hand-back). */
  #finished: Promise<void> | undefined;
  #pollLeftBehind: Promise<void> = Promise.resolve();
  #onSlotFreed: (() => void) | undefined;
  /** Messages received ahead of a free slot, oldest first (see `#receiveAhead`). */
  readonly #waiting: { readonly message: QueueMessage; readonly receivedAt: number }[] = [];
  /**
   * A quarter of the visibility timeout: the longest a received message waits for a slot, or a finished
   * one for its delete, so neither outlives the lock it was received with.
   */
  readonly #quarterLockMs: number;
  /** Moving average of how long a job's processing takes, in ms: sizes the receives ahead. */
  #averageAttemptMs: number | undefined;
  #stats = { received: 0, deleted: 0, retried: 0, deadLettered: 0, released: 0, abandoned: 0, crashed: 0 };
  /** Job metrics added up between flushes; undefined when they are off. */
  readonly #metrics: ResolvedMetrics | undefined;

  constructor(options: WorkerOptions) {
    this.options = resolveWorkerOptions(options);
    this.#metrics = resolveMetrics(this.options.metrics);
    const { backend, logger } = this.options;
    this.#registry = new TaskRegistry(this.options.tasks);
    checkLimitsTracked(this.options.tasks, this.options.tracking);
    this.#quarterLockMs = (this.options.visibilityTimeoutSeconds * 1000) / 4;
    // The message is still this worker's when its delete goes.
    const deleteWindowMs = Math.min(this.options.deleteBatchWindowMs, this.#quarterLockMs);
    this.#deletes = new DeleteBatcher(backend.transport, deleteWindowMs, logger);
  }

  get stats(): WorkerStats {
    return { ...this.#stats };
  }

  /** Jobs running now. */
  get activeJobs(): number {
    return this.#active.size;
  }

  /**
   * Serves the queue until `stop()`; resolves once the worker has let go of the queue: every running job
   * settled, and the long poll under way at `stop()` ended with what it brought handed back (at most
   * `waitTimeSeconds` after `stop()`). Close the SDK clients or exit the process only then. Rejects with
   * a `ConfigError` before receiving anything if a task allows more attempts than the queue delivers.
   */
  run(): Promise<void> {
    this.#running ??= this.#prepare().then((runner) => this.#loop(runner));
    this.#finished ??= this.#running.then(() => this.#pollLeftBehind);
    return this.#finished;
  }

  /** Starts serving in the background. A failure to start is logged, and rethrown by `stop()`. */
  start(): this {
    this.run().catch((error: unknown) => {
      this.options.logger.error('the worker could not start', { error: String(error) });
    });
    return this;
  }

  /**
   * Graceful shutdown: stops receiving at once, hands back any message not yet started, waits up to
   * `shutdownGraceMs` for running jobs, then aborts the rest (each gets its task's `timeoutGraceMs` to wind
   * down; they are recorded as interrupted, not failed, and run again at once without using up a retry),
   * and deletes the messages of finished jobs. Nothing is lost.
   *
   * It does not wait for a long poll under way. SQS cannot end one early without losing what it takes
   * (it answers a poll the client gave up on, hiding the messages for the whole visibility timeout), so
   * that poll runs on, at most `waitTimeSeconds`, and hands back at once whatever it brings; `run()`
   * resolves after that. Its open connection keeps the process alive until then: await `run()` before
   * closing the SDK clients, and let the process end on its own rather than calling `process.exit()`,
   * either of which would strand such messages until their visibility timeout.
   */
  async stop(): Promise<void> {
    this.#stopReceiving.abort();
    this.#onSlotFreed?.();
    const graceOver = new AbortController();
    const grace = sleep(this.options.shutdownGraceMs, true, { ref: false, signal: graceOver.signal }).catch(
      () => false,
    );
    const drained = this.#idle().then(() => false);
    const timedOut = await Promise.race([drained, grace]);
    graceOver.abort();
    if (timedOut) {
      this.options.logger.warn('shutdown grace period over; aborting running jobs', {
        activeJobs: this.#active.size,
      });
      this.#abortJobs.abort();
    }
    await (this.#running ?? Promise.resolve());
  }

  /** Stops gracefully on SIGTERM (ECS, Kubernetes) and SIGINT (Ctrl-C). Returns a function that unhooks. */
  stopOnSignals(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.options.logger.info('stopping on signal', { signal });
      void this.stop();
    };
    for (const signal of signals) process.once(signal, onSignal);
    return () => {
      for (const signal of signals) process.off(signal, onSignal);
    };
  }

  /** Checks the tasks against the queue's delivery limit and builds the runner. */
  async #prepare(): Promise<JobRunner> {
    const { backend, logger } = this.options;
    const deliveryLimit = await backend.transport.deliveryLimit();
    if (deliveryLimit !== undefined) {
      const greedy = this.options.tasks.filter((task) => task.retry.maxAttempts > deliveryLimit);
      if (greedy.length) {
        const each = greedy.map(
          (task) =>
            `task "${task.name}" allows ${task.retry.maxAttempts} attempts but the queue moves a message to its dead-letter queue after ${deliveryLimit} receives`,
        );
        throw new ConfigError(
          `Tasks may not allow more attempts than the queue delivers: ${each.join('; ')}. Lower \`retries\` or raise the queue's maxReceiveCount.`,
        );
      }
    }
    return new JobRunner({
      registry: this.#registry,
      store: this.options.tracking === 'off' ? new UntrackedJobStore() : backend.store,
      transport: backend.transport,
      workerId: this.options.workerId,
      visibilityTimeoutSeconds: this.options.visibilityTimeoutSeconds,
      heartbeatIntervalSeconds: this.options.heartbeatIntervalSeconds,
      progressIntervalMs: this.options.progressIntervalMs,
      logger,
      visibilityCeilingSeconds: this.options.visibilityCeilingSeconds,
      ...(deliveryLimit !== undefined ? { deliveryLimit } : {}),
      // Without records a group's callback could not read its members' results.
      ...(backend.workflows && this.options.tracking === 'full' ? { workflows: backend.workflows } : {}),
      ...(backend.events ? { events: backend.events } : {}),
      hooks: this.options.hooks,
      ...(backend.payloads ? { payloads: backend.payloads } : {}),
      retention: resolveRetention(this.options.retention),
      ...(this.#metrics ? { metrics: this.#metrics.metrics } : {}),
      queueName: this.#metrics?.queueName ?? queueNameFromUrl(process.env[env.queueUrl]) ?? 'default',
    });
  }

  async #loop(runner: JobRunner): Promise<void> {
    const outage = new ReceiveOutage(this.options.logger);
    // A busy worker writes a few metric lines per interval, whatever its job rate; the timer never keeps
    // the process alive.
    const flushTimer = this.#metrics
      ? setInterval(() => this.#metrics?.metrics.flush(), this.#metrics.flushIntervalMs).unref()
      : undefined;
    try {
      await this.#serve(runner, outage);
    } finally {
      clearInterval(flushTimer);
      this.#metrics?.metrics.flush();
    }
  }

  async #serve(runner: JobRunner, outage: ReceiveOutage): Promise<void> {
    const { transport } = this.options.backend;
    while (!this.#stopReceiving.signal.aborted) {
      await this.#startWaiting(runner);
      const free = this.options.concurrency - this.#active.size;
      if (free <= 0) {
        await this.#slotFreed();
        continue;
      }
      // A job finished while the waiting ones were being started: start the next of them first.
      if (this.#waiting.length > 0) continue;
      // SQS cannot end a long poll early without losing what it takes (it answers a poll the client gave
      // up on, hiding the messages for the whole visibility timeout), so the SQS transport lets it run.
      // Stopping does not wait for it: the loop leaves the poll behind, and what it brings is handed back.
      const poll = transport
        .receive(
          {
            maxMessages: Math.min(10, free + this.#receiveAhead()),
            waitTimeSeconds: this.options.waitTimeSeconds,
            visibilityTimeoutSeconds: this.options.visibilityTimeoutSeconds,
          },
          this.#stopReceiving.signal,
        )
        .then(
          (messages) => ({ messages }),
          (error: unknown) => ({ error }),
        );
      const outcome = await this.#orStopped(poll);
      if (outcome === 'stopped') {
        this.#pollLeftBehind = poll.then(async (late) => {
          // A poll that failed has nothing to hand back.
          if ('messages' in late) await this.#handBack(late.messages, 'after stop()');
        });
        break;
      }
      if ('error' in outcome) {
        if (this.#stopReceiving.signal.aborted) break;
        const delayMs = outage.failed(outcome.error);
        await sleep(delayMs, undefined, { signal: this.#stopReceiving.signal }).catch(() => undefined);
        continue;
      }
      outage.succeeded();
      const { messages } = outcome;
      if (this.#stopReceiving.signal.aborted) {
        // Received while stopping: hand them straight back rather than strand them until they time out.
        await this.#handBack(messages, 'while stopping');
        break;
      }
      this.#stats.received += messages.length;
      const receivedAt = performance.now();
      for (const message of messages) this.#waiting.push({ message, receivedAt });
      if (messages.length === 0 && this.options.waitTimeSeconds === 0) {
        // A short poll came back empty: pause rather than spin (and pay for) empty receives.
        await sleep(this.options.emptyReceiveDelayMs, undefined, {
          signal: this.#stopReceiving.signal,
        }).catch(() => undefined);
      }
    }
    // Messages received ahead and not started: visible again at once, for other workers.
    const notStarted = this.#waiting.splice(0).map((w) => w.message);
    this.#stats.released += notStarted.length;
    await this.#handBack(notStarted, 'ahead of a free slot, at stop()');
    await this.#idle();
    await this.#deletes.flush();
  }

  /**
   * Starts waiting messages in the free slots, oldest first. One that waited so long that its lock could
   * lapse before the first heartbeat renews it (a quarter of the visibility timeout) is handed back
   * instead: another worker, or this one later, runs it with a whole lock.
   */
  async #startWaiting(runner: JobRunner): Promise<void> {
    const stale: QueueMessage[] = [];
    while (this.#waiting.length > 0 && this.#active.size < this.options.concurrency) {
      const next = this.#waiting.shift() as { message: QueueMessage; receivedAt: number };
      if (performance.now() - next.receivedAt > this.#quarterLockMs) stale.push(next.message);
      else this.#startJob(runner, next.message);
    }
    if (stale.length > 0) {
      this.#stats.released += stale.length;
      await this.#handBack(stale, 'after waiting too long for a free slot');
    }
  }

  /**
   * How many messages a receive may bring beyond the free slots: a receive costs the same for one message
   * as for ten, so while jobs are quick the worker fills it, and the extra messages start as slots free.
   * As many as wait, on average, no longer than `receiveAheadMs` (they wait about their number over
   * `concurrency` times the average run time), at most nine (a receive brings ten); none until a job
   * has finished, none while jobs are slow, so a long job never holds other jobs waiting behind it,
   * and none from priority queues, whose every receive picks a priority anew.
   */
  #receiveAhead(): number {
    const averageMs = this.#averageAttemptMs;
    if (averageMs === undefined || this.options.receiveAheadMs === 0) return 0;
    if (this.options.backend.transport.picksPerReceive) return 0;
    const affordable = Math.floor(
      (this.options.concurrency * this.options.receiveAheadMs) / Math.max(averageMs, 1),
    );
    return Math.min(9, affordable);
  }

  /**
   * `poll`'s outcome, or 'stopped' if `stop()` comes first. Not a race against one long-lived promise:
   * each such race leaves a reaction on it that keeps its outcome (the messages) until the worker stops.
   */
  #orStopped<T>(poll: Promise<T>): Promise<T | 'stopped'> {
    const { signal } = this.#stopReceiving;
    if (signal.aborted) return Promise.resolve('stopped');
    return new Promise((resolve, reject) => {
      const stopped = () => resolve('stopped');
      signal.addEventListener('abort', stopped, { once: true });
      poll.then(
        (outcome) => {
          signal.removeEventListener('abort', stopped);
          resolve(outcome);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', stopped);
          reject(error);
        },
      );
    });
  }

  /**
   * Resolves once no job is running. (Jobs start only while the worker receives, so after `stop()` this
   * waits for the jobs running at that moment.)
   */
  #idle(): Promise<void> {
    if (this.#active.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#whenIdle.push(resolve));
  }

  /** Waits for a running job to finish, or for `stop()`. */
  #slotFreed(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#onSlotFreed = resolve;
    });
  }

  /** Makes messages this worker will not start visible again at once, for other workers. */
  async #handBack(messages: readonly QueueMessage[], when: string): Promise<void> {
    if (messages.length === 0) return;
    const { transport } = this.options.backend;
    await Promise.all(messages.map((m) => transport.changeVisibility(m, 0).catch(() => false)));
    this.options.logger.info(`handed back messages a long poll received ${when}`, {
      count: messages.length,
    });
  }

  #startJob(runner: JobRunner, message: QueueMessage): void {
    // The runner tells the job's end to the job itself: no promise, reaction or closure per job.
    const job = new ActiveJob(message, this.#jobEnded);
    this.#active.add(job);
    processInto(runner, message, this.#abortJobs.signal, job);
  }

  /** What every {@link ActiveJob} reports its end to: one function for all of them. */
  readonly #jobEnded = (job: ActiveJob, disposition: Disposition | undefined, error?: unknown): void =>
    this.#ended(job, disposition, error);

  /** A job's processing ended, with its disposition, or with the error of a backend that failed. */
  #ended(job: ActiveJob, disposition: Disposition | undefined, error?: unknown): void {
    const { message } = job;
    try {
      if (disposition) this.#settle(message, disposition);
      else {
        // The backend failed mid-job. The message reappears after its visibility timeout.
        this.#stats.crashed++;
        this.options.logger.error('job processing failed; the message will be delivered again', {
          messageId: message.messageId,
          error: String(error),
        });
      }
    } catch (settleError) {
      this.#stats.crashed++;
      this.options.logger.error('job processing failed; the message will be delivered again', {
        messageId: message.messageId,
        error: String(settleError),
      });
    } finally {
      const ms = performance.now() - job.startedAt;
      this.#averageAttemptMs =
        this.#averageAttemptMs === undefined ? ms : this.#averageAttemptMs * 0.9 + ms * 0.1;
      this.#active.delete(job);
      this.#onSlotFreed?.();
      this.#onSlotFreed = undefined;
      if (this.#active.size === 0 && this.#whenIdle.length > 0) {
        for (const resolve of this.#whenIdle.splice(0)) resolve();
      }
    }
  }

  #settle(message: QueueMessage, disposition: Disposition): void {
    switch (disposition.kind) {
      case 'ack':
        // An interrupted job went on in a fresh message: it was handed back, not finished.
        if (disposition.requeued) this.#stats.released++;
        else this.#stats.deleted++;
        this.#deletes.add(disposition.message ?? message);
        return;
      case 'release':
        if (disposition.delaySeconds === 0) this.#stats.released++;
        else this.#stats.retried++;
        return;
      case 'deadLettered':
        this.#stats.deadLettered++;
        return;
      case 'abandon':
        this.#stats.abandoned++;
        return;
    }
  }
}

/** A job the worker is processing: the message it came in, since when, and where its end goes. */
class ActiveJob implements ProcessingEnd {
  readonly message: QueueMessage;
  readonly startedAt = performance.now();
  readonly #report: (job: ActiveJob, disposition: Disposition | undefined, error?: unknown) => void;

  constructor(
    message: QueueMessage,
    report: (job: ActiveJob, disposition: Disposition | undefined, error?: unknown) => void,
  ) {
    this.message = message;
    this.#report = report;
  }

  ended(disposition: Disposition): void {
    this.#report(this, disposition);
  }

  failed(error: unknown): void {
    this.#report(this, undefined, error);
  }
}

/** Creates a long-running worker. See {@link Worker}. */
export function createWorker(options: WorkerOptions): Worker {
  return new Worker(options);
}
