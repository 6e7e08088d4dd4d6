/**
 * The producer side of workflows: typed builders for chains and groups, starting them, and reading their
 * state. `Longhaul.chain`, `Longhaul.group` and `Longhaul.getWorkflow` are the way in.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigError,
  EnqueueError,
  JobFailedError,
  PayloadTooLargeError,
  WaitTimeoutError,
  WorkflowNotFoundError,
} from '../core/errors.js';
import type { JobRecord, JobStatus } from '../core/job.js';
import { checkJobId } from '../core/job-id.js';
import { checkJsonArgs } from '../core/json-args.js';
import { jsonBytes, limits } from '../core/limits.js';
import type { Backend, WorkflowStore } from '../core/ports.js';
import { type AnyTask, checkTask, type TaskArgs, type TaskResult } from '../core/task.js';
import { newJobRecord } from '../core/transitions.js';
import { newUuid } from '../core/uuid.js';
import {
  type WorkflowJobState,
  type WorkflowKind,
  type WorkflowRecord,
  type WorkflowState,
  workflowJobId,
  workflowState,
} from '../core/workflow.js';
import {
  maxWorkflowIdLength,
  maxWorkflowSteps,
  type PendingStep,
  type WorkflowRef,
} from '../core/workflow-ref.js';
import type { JobHandle, WaitOptions } from './client-types.js';
import { sendAndRecord } from './enqueue-jobs.js';

/** A task with its arguments: a chain's first step, or a group's member. */
export interface Step<T extends AnyTask = AnyTask> {
  readonly task: T;
  readonly args: TaskArgs<T>;
}

type StepParams<T extends AnyTask> =
  undefined extends TaskArgs<T> ? [args?: TaskArgs<T>] : [args: TaskArgs<T>];

/**
 * A task with its arguments, type-checked like `enqueue`'s.
 *
 * @example
 * await longhaul.group([step(resize, { key: 'a.png' }), step(resize, { key: 'b.png' })]).start();
 */
export function step<T extends AnyTask>(task: T, ...params: StepParams<T>): Step<T> {
  return { task, args: params[0] as TaskArgs<T> };
}

/** A compile-time error when the result of the previous step does not fit the next task's arguments. */
type Fits<TResult, TNext extends AnyTask> = [TResult] extends [TaskArgs<TNext>]
  ? []
  : [error: 'the previous result is not assignable to the arguments of this task'];

/** The results of a group's members, in member order. */
export type GroupResults<S extends readonly Step[]> = {
  -readonly [K in keyof S]: S[K] extends Step<infer T> ? TaskResult<T> : never;
};

/** Options of `start()`. */
export interface WorkflowOptions {
  /**
   * Your own id for the workflow (1–100 characters). Starting the same id again starts nothing new and
   * enqueues any of its first jobs that are missing (after a crash mid-start). Default: a random UUID.
   */
  readonly workflowId?: string;
}

/** What `start()` resolves with. */
export interface WorkflowHandle {
  readonly id: string;
  readonly kind: WorkflowKind;
  /** False when `workflowId` named a workflow that already existed. */
  readonly created: boolean;
}

/** A started chain: `last` is the job whose result is the chain's (`waitForResult(flow.last)`). */
export interface ChainHandle<TResult = unknown> extends WorkflowHandle {
  readonly last: JobHandle<TResult>;
}

/**
 * A started group: its members' job ids, and the callback's when it has one. `TResult` is what
 * `waitForWorkflow` resolves with: the callback's result, or the members' results without one.
 */
export interface GroupHandle<TResult = unknown> extends WorkflowHandle {
  readonly members: readonly string[];
  readonly callback?: JobHandle<TResult>;
}

/** What a builder needs from the client: the backend and how to publish. */
export interface WorkflowContext {
  readonly backend: Backend;
  /** Called with the jobs this start created. */
  readonly enqueued: (jobs: readonly JobRecord[]) => Promise<void>;
}

/**
 * A chain being built: `andThen` appends a step whose arguments are the previous step's result (a type
 * error when they do not fit), `start` enqueues the first step.
 */
export class ChainBuilder<TLast extends AnyTask> {
  readonly #ctx: WorkflowContext;
  readonly #first: Step;
  readonly #rest: readonly AnyTask[];

  /** @internal Use `longhaul.chain(task, args)`. */
  constructor(ctx: WorkflowContext, first: Step, rest: readonly AnyTask[] = []) {
    this.#ctx = ctx;
    this.#first = first;
    this.#rest = rest;
  }

  /** Appends a step that receives the previous step's result as its arguments. */
  andThen<TNext extends AnyTask>(task: TNext, ..._fits: Fits<TaskResult<TLast>, TNext>): ChainBuilder<TNext> {
    return new ChainBuilder<TNext>(this.#ctx, this.#first, [...this.#rest, task]);
  }

  /** Enqueues the first step. The next ones are enqueued by the workers as each step succeeds. */
  async start(options: WorkflowOptions = {}): Promise<ChainHandle<TaskResult<TLast>>> {
    const id = workflowIdOf(options.workflowId);
    const tasks = [this.#first.task, ...this.#rest];
    checkSize(tasks.length);
    await checkArgs(this.#first);
    const record: WorkflowRecord = {
      id,
      kind: 'chain',
      createdAt: Date.now(),
      steps: tasks.map((task, index) => ({ task: task.name, jobId: workflowJobId.step(id, index) })),
    };
    const first = newJobRecord({
      id: workflowJobId.step(id, 0),
      task: this.#first.task.name,
      args: this.#first.args,
      maxAttempts: this.#first.task.retry.maxAttempts,
      enqueuedAt: record.createdAt,
      workflow: { kind: 'chain', id, step: 0, next: this.#rest.map(pendingStep) },
    });
    const created = await startWorkflow(this.#ctx, record, [first]);
    const last = record.steps[record.steps.length - 1] as { task: string; jobId: string };
    return { id, kind: 'chain', created, last: { id: last.jobId, task: last.task, created } };
  }
}

/** A group being built: `andThen` sets the callback, `start` enqueues every member. */
export class GroupBuilder<S extends readonly Step[], TCallback extends AnyTask | undefined = undefined> {
  readonly #ctx: WorkflowContext;
  readonly #members: S;
  readonly #callback: AnyTask | undefined;

  /** @internal Use `longhaul.group([...])`. */
  constructor(ctx: WorkflowContext, members: S, callback?: AnyTask) {
    this.#ctx = ctx;
    this.#members = members;
    this.#callback = callback;
  }

  /**
   * Sets the callback: enqueued once, when every member has succeeded, with their results in member
   * order as its arguments. If a member fails for good, the callback never runs and the group is failed.
   */
  andThen<C extends AnyTask>(callback: C, ..._fits: Fits<GroupResults<S>, C>): GroupBuilder<S, C> {
    return new GroupBuilder<S, C>(this.#ctx, this.#members, callback);
  }

  /** Enqueues every member (messages in batches of ten). */
  async start(
    options: WorkflowOptions = {},
  ): Promise<GroupHandle<TCallback extends AnyTask ? TaskResult<TCallback> : GroupResults<S>>> {
    const id = workflowIdOf(options.workflowId);
    if (this.#members.length === 0)
      throw new ConfigError('Expected a group to have at least one member, got 0');
    checkSize(this.#members.length);
    for (const member of this.#members) await checkArgs(member);
    const createdAt = Date.now();
    const callback = this.#callback
      ? { task: this.#callback.name, jobId: workflowJobId.callback(id) }
      : undefined;
    const record: WorkflowRecord = {
      id,
      kind: 'group',
      createdAt,
      steps: this.#members.map((member, index) => ({
        task: member.task.name,
        jobId: workflowJobId.step(id, index),
      })),
      ...(callback ? { callback } : {}),
    };
    const size = this.#members.length;
    const jobs = this.#members.map((member, index) => {
      const workflow: WorkflowRef = {
        kind: 'group',
        id,
        index,
        size,
        ...(this.#callback ? { callback: pendingStep(this.#callback) } : {}),
      };
      return newJobRecord({
        id: workflowJobId.step(id, index),
        task: member.task.name,
        args: member.args,
        maxAttempts: member.task.retry.maxAttempts,
        enqueuedAt: createdAt,
        workflow,
      });
    });
    const created = await startWorkflow(this.#ctx, record, jobs);
    return {
      id,
      kind: 'group',
      created,
      members: jobs.map((job) => job.id),
      ...(callback ? { callback: { id: callback.jobId, task: callback.task, created } } : {}),
    };
  }
}

/**
 * Writes the workflow's record, then enqueues its first jobs. When the record exists (a start repeated
 * with the same id), only the first jobs still missing are enqueued: a crash mid-start is repaired by
 * starting again.
 */
async function startWorkflow(
  ctx: WorkflowContext,
  record: WorkflowRecord,
  jobs: readonly JobRecord[],
): Promise<boolean> {
  const workflows = workflowsOf(ctx.backend);
  const created = await workflows.createWorkflow(record);
  let missing = jobs;
  if (!created) {
    const existing = await Promise.all(jobs.map((job) => ctx.backend.store.get(job.id)));
    missing = jobs.filter((_, i) => existing[i] === undefined);
  }
  let written: string[];
  try {
    written = await sendAndRecord(ctx.backend, missing);
  } catch (cause) {
    // Starting again with the same `workflowId` enqueues what is missing, and nothing twice.
    throw new EnqueueError(missing[0]?.id ?? record.id, cause, { sent: false });
  }
  const writtenIds = new Set(written);
  await ctx.enqueued(missing.filter((job) => writtenIds.has(job.id)));
  return created;
}

/**
 * Reads a workflow's record and the status of each of its jobs (one read per job, 16 at a time).
 * Throws {@link WorkflowNotFoundError} for an unknown id.
 */
export async function readWorkflow(backend: Backend, id: string): Promise<WorkflowState> {
  const record = await workflowsOf(backend).getWorkflow(id);
  if (!record) throw new WorkflowNotFoundError(id);
  const ids = [...record.steps.map((s) => s.jobId), ...(record.callback ? [record.callback.jobId] : [])];
  const statuses = new Map<string, JobStatus>();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(16, ids.length) }, async () => {
      for (let i = next++; i < ids.length; i = next++) {
        const job = await backend.store.get(ids[i] as string);
        if (job) statuses.set(job.id, job.status);
      }
    }),
  );
  return workflowState(record, statuses);
}

/**
 * Waits for a workflow to end. Resolves with a chain's last result, a group's callback result, or a
 * group's member results (in order) when it has no callback. Throws {@link JobFailedError} for the first
 * job that failed or was cancelled, {@link WaitTimeoutError} when it is still running after `timeoutMs`.
 */
export async function waitForWorkflow<TResult>(
  backend: Backend,
  handle: ChainHandle<TResult> | GroupHandle<TResult> | string,
  options: WaitOptions = {},
): Promise<TResult> {
  const id = typeof handle === 'string' ? handle : handle.id;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await readWorkflow(backend, id);
    if (state.status !== 'running') return outcomeOf(backend, state) as Promise<TResult>;
    if (Date.now() >= deadline) throw new WaitTimeoutError(id, timeoutMs, state.status);
    options.signal?.throwIfAborted();
    await sleep(Math.min(options.pollIntervalMs ?? 250, Math.max(0, deadline - Date.now())), undefined, {
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
}

async function outcomeOf(backend: Backend, state: WorkflowState): Promise<unknown> {
  const jobs = [...state.steps, ...(state.callback ? [state.callback] : [])];
  const failed = jobs.find((job) => job.status === 'failed' || job.status === 'cancelled');
  if (failed) {
    const job = await backend.store.get(failed.jobId);
    throw new JobFailedError(failed.jobId, failed.status, job?.error);
  }
  const resultOf = async (jobId: string) => (await backend.store.get(jobId))?.result;
  if (state.kind === 'chain')
    return resultOf((state.steps[state.steps.length - 1] as WorkflowJobState).jobId);
  if (state.callback) return resultOf(state.callback.jobId);
  return Promise.all(state.steps.map((member) => resultOf(member.jobId)));
}

function workflowsOf(backend: Backend): WorkflowStore {
  if (!backend.workflows) {
    throw new ConfigError(
      'Expected the backend to keep workflows (`backend.workflows`), as `awsBackend` and `memoryBackend` do',
    );
  }
  return backend.workflows;
}

function workflowIdOf(given: string | undefined): string {
  if (given === undefined) return newUuid();
  checkJobId(given, 'workflowId', maxWorkflowIdLength);
  return given;
}

function checkSize(steps: number): void {
  if (steps > maxWorkflowSteps) {
    throw new ConfigError(
      `Expected a workflow to have at most ${maxWorkflowSteps} steps or members, got ${steps}`,
    );
  }
}

async function checkArgs(member: Step): Promise<void> {
  checkTask(member.task);
  checkJsonArgs(member.task.name, member.args);
  await member.task.parseArgs(member.args);
  const bytes = jsonBytes(member.args);
  if (bytes > limits.maxArgsBytes) {
    throw new PayloadTooLargeError(`Arguments of task "${member.task.name}"`, bytes, limits.maxArgsBytes);
  }
}

function pendingStep(task: AnyTask): PendingStep {
  return { task: task.name, maxAttempts: task.retry.maxAttempts };
}
