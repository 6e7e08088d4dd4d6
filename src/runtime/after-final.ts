/**
 * What the runner does after it writes a job's status: publish the change, call the hooks, and, for a
 * job of a workflow that succeeded, enqueue what comes next (a chain's next step, a group's callback).
 * Every effect here is safe to repeat, so the runner also runs them for a redelivered message whose job
 * is already final: a worker that died between the write and the effects loses nothing.
 */

import { sendAndRecord } from '../client/enqueue-jobs.js';
import { PayloadOffload } from '../client/payload-offload.js';
import { InvalidWorkflowError, serializeError } from '../core/errors.js';
import type { HookInfo, JobHooks } from '../core/hooks.js';
import { type JobRecord, JobStatus } from '../core/job.js';
import { publishChanges, stateChangeOf } from '../core/job-events.js';
import type { Logger } from '../core/logger.js';
import type {
  EventPublisher,
  JobStateChange,
  PayloadStore,
  Transport,
  WorkerJobStore,
  WorkflowStore,
} from '../core/ports.js';
import { scheduleResultPointerOf } from '../core/schedule-result.js';
import type { AnyTask } from '../core/task.js';
import { newJobRecord } from '../core/transitions.js';
import { workflowJobId } from '../core/workflow.js';
import type { WorkflowRef } from '../core/workflow-ref.js';
import type { JobTelemetry } from './job-telemetry.js';

/** What the effects need: the runner's backend parts, the worker's hooks and its logger. */
export interface JobEffectsOptions {
  readonly store: WorkerJobStore;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly workflows?: WorkflowStore;
  readonly events?: EventPublisher;
  /** Hooks of the worker, called for every task after the task's own. */
  readonly hooks?: JobHooks;
  /** Where offloaded results are read back from, and a workflow's large next arguments go. */
  readonly payloads?: PayloadStore;
  /** Logs each status written and counts it in the job metrics. */
  readonly telemetry?: JobTelemetry;
}

/** The effects of the runner's status writes. */
export class JobEffects {
  readonly #o: JobEffectsOptions;
  readonly #payloads: PayloadOffload;

  constructor(options: JobEffectsOptions) {
    this.#o = options;
    this.#payloads = new PayloadOffload(options.payloads);
  }

  /** The job's result, read back from the payload store when it was offloaded. */
  async #resultOf(job: JobRecord | undefined): Promise<unknown> {
    if (!job) return null;
    return job.resultRef ? await this.#payloads.read(job.resultRef) : (job.result ?? null);
  }

  /** Publishes status changes (a claim, a rejection): nothing else follows them. */
  async changed(changes: readonly JobStateChange[]): Promise<void> {
    await publishChanges(this.#o.events, changes, this.#o.logger);
  }

  /**
   * Publishes `job`'s change of status (see `stateChangeOf`), built only when a publisher listens: an
   * embedded bus nobody subscribed to costs nothing per job.
   */
  async jobChanged(job: JobRecord, previousStatus?: JobStatus): Promise<void> {
    const events = this.#o.events;
    if (!events || events.listening === false) return;
    await publishChanges(events, [stateChangeOf(job, previousStatus)], this.#o.logger);
  }

  /** True when a publisher listens for status changes; otherwise `jobChanged` need not even be awaited. */
  get publishing(): boolean {
    const events = this.#o.events;
    return events !== undefined && events.listening !== false;
  }

  /** After a failed attempt that will be retried: the event and the `onFailure` hooks. */
  async retrying(task: AnyTask, job: JobRecord): Promise<void> {
    this.#o.telemetry?.ended(job);
    await this.jobChanged(job, JobStatus.running);
    if (job.error) await this.#call(task, 'onFailure', job.error, job);
  }

  /**
   * After the job reached a final status (or a redelivery found it there, with `replayed`): the workflow's
   * next jobs, a schedule's latest-result pointer, the event, and the hooks. Rejects only when the backend
   * fails to enqueue the next jobs or to write the pointer; the message is then delivered again and this
   * runs again.
   */
  async final(
    task: AnyTask | undefined,
    job: JobRecord,
    workflow: WorkflowRef | undefined,
    replayed = false,
  ): Promise<void> {
    // A replay repeats the effects of a status counted when it was written.
    if (!replayed) this.#o.telemetry?.ended(job);
    if (job.status === JobStatus.succeeded && workflow) await this.#continue(workflow, job);
    // A schedule's run that succeeded becomes its latest result, unless a later-fired run already is.
    const pointer = scheduleResultPointerOf(job);
    if (pointer) await this.#o.store.noteScheduleResult(pointer);
    // The workflow's record lives as long as the last of its jobs that ended (their retention).
    if (workflow && job.expiresAt !== undefined && this.#o.workflows) {
      await this.#o.workflows.expireWorkflow(workflow.id, job.expiresAt);
    }
    if (this.publishing) await this.jobChanged(job, replayed ? undefined : JobStatus.running);
    if (!task) return;
    if (job.status === JobStatus.succeeded) {
      // The result is read back (an offloaded one from the payload store) only for a hook to get it.
      if (this.#hooked(task, 'onSuccess')) {
        await this.#call(task, 'onSuccess', await this.#resultOf(job), job);
      }
    } else if (job.status === JobStatus.failed && job.error) {
      // On a replay the attempt's `onFailure` may have run already; only the final alert is owed.
      if (!replayed) await this.#call(task, 'onFailure', job.error, job);
      await this.#call(task, 'onFinalFailure', job.error, job);
    }
  }

  /** True when the task or the worker has `hook`. */
  #hooked(task: AnyTask, hook: keyof JobHooks): boolean {
    return Boolean(task.hooks?.[hook] || this.#o.hooks?.[hook]);
  }

  /** Enqueues what follows a workflow job that succeeded. */
  async #continue(workflow: WorkflowRef, job: JobRecord): Promise<void> {
    if (workflow.kind === 'chain') {
      const [next, ...rest] = workflow.next;
      if (!next) return;
      const step = workflow.step + 1;
      await this.#enqueueOnce({
        id: workflowJobId.step(workflow.id, step),
        task: next.task,
        args: await this.#resultOf(job),
        maxAttempts: next.maxAttempts,
        enqueuedAt: Date.now(),
        workflow: { kind: 'chain', id: workflow.id, step, next: rest },
      });
      return;
    }
    if (workflow.kind !== 'group' || !workflow.callback) return;
    if (!this.#o.workflows) {
      this.#o.logger.warn('a group member succeeded but the backend keeps no workflows', {
        jobId: job.id,
        workflowId: workflow.id,
      });
      return;
    }
    const succeeded = await this.#o.workflows.addSucceededMember(workflow.id, workflow.index);
    if (succeeded < workflow.size) return;
    // This member completed the set (or a redelivery of it sees it complete): the callback is due.
    const callbackId = workflowJobId.callback(workflow.id);
    if (await this.#o.store.get(callbackId)) return;
    const members = await Promise.all(
      Array.from({ length: workflow.size }, (_, index) =>
        this.#o.store.get(workflowJobId.step(workflow.id, index)),
      ),
    );
    await this.#enqueueOnce({
      id: callbackId,
      task: workflow.callback.task,
      args: await Promise.all(members.map((member) => this.#resultOf(member))),
      maxAttempts: workflow.callback.maxAttempts,
      enqueuedAt: Date.now(),
      workflow: { kind: 'callback', id: workflow.id },
    });
  }

  /**
   * Enqueues a workflow job under its deterministic id unless it exists. Arguments too large for a message
   * fail that job on its record (with `invalid_workflow`) so the workflow shows where and why it stopped.
   */
  async #enqueueOnce(next: Parameters<typeof newJobRecord>[0]): Promise<void> {
    if (await this.#o.store.get(next.id)) return;
    const json = JSON.stringify(next.args ?? null);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > this.#payloads.maxArgsBytes) {
      const error = new InvalidWorkflowError(
        `The arguments of workflow job "${next.id}" (the previous results) are ${bytes} bytes, over the limit of ${this.#payloads.maxArgsBytes}`,
        { context: { jobId: next.id, bytes, limit: this.#payloads.maxArgsBytes } },
      );
      const at = Date.now();
      await this.#o.store.reject({
        id: next.id,
        task: next.task,
        enqueuedAt: next.enqueuedAt,
        maxAttempts: next.maxAttempts,
        guard: { kind: 'unstarted' },
        error: serializeError(error),
        deadLettered: false,
        at,
      });
      await this.changed([
        {
          jobId: next.id,
          task: next.task,
          status: JobStatus.failed,
          attempt: 0,
          error: { code: error.code, message: error.message },
          at,
          ...(next.workflow ? { workflowId: next.workflow.id } : {}),
        },
      ]);
      return;
    }
    // Arguments too large for a message go to the payload store first, as the client's would.
    const job = { ...newJobRecord(next), ...(await this.#payloads.offloadArgs(next.id, next.args, json)) };
    const written = await sendAndRecord(this.#o, [job]);
    if (written.length > 0) await this.jobChanged(job);
  }

  /**
   * Calls the task's hook, then the worker's; a hook that throws is logged and changes nothing. They get
   * their own copy of `value` (a result, an error): the record it comes from may be the store's own
   * (`readOnly` answers), which a hook must not be able to change.
   */
  async #call(task: AnyTask, hook: keyof JobHooks, value: unknown, job: JobRecord): Promise<void> {
    if (!this.#hooked(task, hook)) return;
    let copy: { value: unknown } | undefined;
    const info: HookInfo = {
      jobId: job.id,
      task: job.task,
      attempt: job.attempts,
      maxAttempts: job.maxAttempts,
      ...(job.workflow ? { workflowId: job.workflow.id } : {}),
    };
    for (const [owner, hooks] of [
      ['task', task.hooks],
      ['worker', this.#o.hooks],
    ] as const) {
      const fn = hooks?.[hook] as ((value: unknown, info: HookInfo) => unknown) | undefined;
      if (!fn) continue;
      try {
        copy ??= { value: typeof value === 'object' && value !== null ? structuredClone(value) : value };
        await fn(copy.value, info);
      } catch (error) {
        this.#o.logger.error('a hook threw; the job is unchanged', {
          jobId: job.id,
          hook,
          owner,
          error: String(error),
        });
      }
    }
  }
}
