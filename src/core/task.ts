import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigError, InvalidArgsError, type ValidationIssue } from './errors.js';
import type { JobHooks } from './hooks.js';
import type { LogLevel } from './job.js';
import { checkPriority, Priority } from './priority.js';
import { type RetentionOptions, retentionProblems } from './retention.js';
import { type RetryPolicy, resolveRetryPolicy } from './retry.js';
import {
  resolveTaskLimits,
  resolveUnique,
  type TaskLimitOptions,
  type TaskLimits,
  type TaskUnique,
  type UniqueOptions,
} from './task-limits.js';

/** What a running task can see and report. Given to `run` as its second argument. */
export interface TaskContext {
  readonly jobId: string;
  readonly taskName: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /**
   * Aborted when the attempt times out, the worker shuts down past its grace period, or the worker
   * loses its lock on the job. Pass it to `fetch` and check it in loops.
   */
  readonly signal: AbortSignal;
  /** Report progress, a fraction from 0 to 1 with an optional message. Written to the job, throttled. */
  progress(fraction: number, message?: string): void;
  /** Append a line to the job's log. Written with the next progress, heartbeat or the result. */
  log(message: string, level?: LogLevel): void;
}

/** A schema from any Standard Schema library (zod, valibot, arktype, ...). */
export type ArgsSchema = StandardSchemaV1;

type ArgsInputOf<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S> : undefined;
type ArgsOutputOf<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : undefined;

/** What `defineTask` takes. */
export interface TaskOptions<TSchema extends ArgsSchema | undefined, TResult> {
  /** Unique among a worker's tasks: letters, digits, `.`, `_`, `:`, `-`; 1–128 characters. */
  readonly name: string;
  /** Validates arguments at enqueue and again in the worker. Omit for a task without arguments. */
  readonly args?: TSchema;
  /** Does the work. Its return value (JSON-serializable) becomes the job's result. */
  readonly run: (args: ArgsOutputOf<TSchema>, ctx: TaskContext) => Promise<TResult> | TResult;
  /** Retries after the first failed attempt. Default 3 (so 4 attempts in all); 0 disables retries. */
  readonly retries?: number;
  /** Backoff between attempts. Defaults: base 2 s, cap 15 min, equal jitter. */
  readonly backoff?: Partial<Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>>;
  /** An attempt running longer fails with a `timeout` error and its signal is aborted. Default: none. */
  readonly timeoutMs?: number;
  /** Called after the job's success is written. See {@link JobHooks}. */
  readonly onSuccess?: JobHooks<Awaited<TResult>>['onSuccess'];
  /** Called after each failed attempt is written, retried or not. */
  readonly onFailure?: JobHooks['onFailure'];
  /** Called after the job is written as failed for good: for alerting. */
  readonly onFinalFailure?: JobHooks['onFinalFailure'];
  /**
   * After its signal aborts (timeout, cancel, shutdown, lost lock), how long the attempt waits for `run`
   * to settle before it is recorded anyway and the worker frees its slot, logging `task ignored its abort
   * signal`. Code that ignores the signal keeps running in the background: run CPU-bound work with
   * `runIsolated` so it can be killed. Default 5 000.
   */
  readonly timeoutGraceMs?: number;
  /**
   * At most one job per key while it is queued, running or retrying (and for `windowMs` after it was
   * enqueued): enqueueing another returns the existing job. Default: no key.
   */
  readonly unique?: UniqueOptions<ArgsOutputOf<TSchema>>;
  /**
   * Concurrency and rate limits across every worker, per task or per key; a list when several must all
   * allow a start (one for the task, one per tenant). Default: none.
   */
  readonly limits?:
    | TaskLimitOptions<ArgsOutputOf<TSchema>>
    | readonly TaskLimitOptions<ArgsOutputOf<TSchema>>[];
  /** How long this task's finished jobs are kept, over the worker's `retention`. Default: the worker's. */
  readonly retention?: RetentionOptions;
  /**
   * The priority of this task's jobs unless `enqueue` says otherwise. Default `normal`; `high` and `low`
   * need a backend with priority queues.
   */
  readonly priority?: Priority;
}

/** Every default of a task's own options (retry defaults live with the retry policy). */
export const taskDefaults = { timeoutGraceMs: 5_000 } as const;
/** The longest grace a task may ask for: a worker that waits longer is a stuck worker. */
const maxTimeoutGraceMs = 15 * 60_000;

/**
 * A task: a name, a schema and a function. `TArgs` is what producers pass to `enqueue`; `TResult` is what
 * `waitForResult` gives back.
 */
export interface Task<TArgs = unknown, TResult = unknown> {
  readonly name: string;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number | undefined;
  /** The task's own retention, over the worker's. */
  readonly retention?: RetentionOptions;
  /** Validates raw arguments, returning what `run` receives. Throws {@link InvalidArgsError}. */
  parseArgs(raw: unknown): Promise<unknown>;
  /** Runs the task on arguments that `parseArgs` returned. */
  execute(parsedArgs: unknown, ctx: TaskContext): Promise<TResult>;
  /** Type-only: carries the argument type for `enqueue`. Never set at run time. */
  readonly __args?: (args: TArgs) => void;
  /**
   * The task's own hooks, called by the worker after it writes a status. Typed loosely so that hooks do
   * not make `TResult` contravariant (which would break `TaskArgs`/`TaskResult` inference).
   */
  readonly hooks?: JobHooks;
  /** How long an aborted attempt waits for `execute` to settle. */
  readonly timeoutGraceMs: number;
  /** The task's unique key, if it has one. */
  readonly unique?: TaskUnique;
  /** The task's concurrency and rate limits, if any: every one must allow a start. */
  readonly limits?: readonly TaskLimits[];
  /** The default priority of its jobs; absent means `normal`. */
  readonly priority?: Priority;
}

/** Any task, whatever its types. */
// biome-ignore lint/suspicious/noExplicitAny: the variance of TArgs needs `any` for a task of any type.
export type AnyTask = Task<any, any>;
/** The argument type `enqueue` accepts for a task. */
export type TaskArgs<T> = T extends Task<infer A, unknown> ? A : never;
/** The result type a task's job resolves to. */
// biome-ignore lint/suspicious/noExplicitAny: matches a task of any argument type (TArgs is contravariant).
export type TaskResult<T> = T extends Task<any, infer R> ? R : never;

const taskNamePattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Node's timers cannot wait longer (about 24.8 days); a longer delay fires at once. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * Defines a task once, with typed arguments and result, for producers and workers alike.
 *
 * @example
 * import { z } from 'zod';
 * export const resize = defineTask({
 *   name: 'images.resize',
 *   args: z.object({ key: z.string(), width: z.number().int().positive() }),
 *   retries: 5,
 *   async run({ key, width }, ctx) {
 *     ctx.progress(0.5, 'downloaded');
 *     return { key: `${key}@${width}` };
 *   },
 * });
 */
export function defineTask<TSchema extends ArgsSchema | undefined = undefined, TResult = unknown>(
  options: TaskOptions<TSchema, TResult>,
): Task<ArgsInputOf<TSchema>, Awaited<TResult>> {
  if (!taskNamePattern.test(options.name)) {
    throw new ConfigError(
      `Expected task \`name\` to be 1–128 characters of letters, digits, ".", "_", ":" or "-" starting with a letter or digit, got ${JSON.stringify(options.name)}`,
    );
  }
  if (
    options.timeoutMs !== undefined &&
    !(Number.isInteger(options.timeoutMs) && options.timeoutMs >= 1 && options.timeoutMs <= maxTimerMs)
  ) {
    throw new ConfigError(
      `Expected \`timeoutMs\` of task "${options.name}" to be an integer from 1 to ${maxTimerMs} (what a timer can wait), got \`${options.timeoutMs}\``,
    );
  }
  const timeoutGraceMs = options.timeoutGraceMs ?? taskDefaults.timeoutGraceMs;
  if (!(Number.isInteger(timeoutGraceMs) && timeoutGraceMs >= 0 && timeoutGraceMs <= maxTimeoutGraceMs)) {
    throw new ConfigError(
      `Expected \`timeoutGraceMs\` of task "${options.name}" to be an integer from 0 to ${maxTimeoutGraceMs}, got \`${timeoutGraceMs}\``,
    );
  }
  const retentionIssues = retentionProblems(options.retention);
  if (retentionIssues.length) {
    throw new ConfigError(
      `Invalid options of task "${options.name}": expected ${retentionIssues.join('; ')}`,
    );
  }
  const retry = resolveRetryPolicy(options.name, options.retries, options.backoff);
  const unique = resolveUnique(options.name, options.unique as UniqueOptions<never> | undefined);
  const limits = resolveTaskLimits(
    options.name,
    options.limits as TaskLimitOptions<never> | readonly TaskLimitOptions<never>[] | undefined,
  );
  const priority = checkPriority(options.priority, `\`priority\` of task "${options.name}"`);
  const schema = options.args;
  const hooks: JobHooks<Awaited<TResult>> = {
    ...(options.onSuccess ? { onSuccess: options.onSuccess } : {}),
    ...(options.onFailure ? { onFailure: options.onFailure } : {}),
    ...(options.onFinalFailure ? { onFinalFailure: options.onFinalFailure } : {}),
  };
  const task: Task<ArgsInputOf<TSchema>, Awaited<TResult>> = {
    name: options.name,
    retry,
    timeoutMs: options.timeoutMs,
    // The worker only ever passes this task's own stored result to `onSuccess`.
    ...(Object.keys(hooks).length > 0 ? { hooks: hooks as JobHooks } : {}),
    timeoutGraceMs,
    ...(unique ? { unique } : {}),
    ...(limits ? { limits } : {}),
    ...(options.retention ? { retention: { ...options.retention } } : {}),
    ...(priority !== Priority.normal ? { priority } : {}),
    async parseArgs(raw) {
      if (schema === undefined) {
        if (raw !== undefined && raw !== null) {
          throw new InvalidArgsError(options.name, [{ message: 'this task takes no arguments', path: [] }]);
        }
        return undefined;
      }
      let outcome: StandardSchemaV1.Result<unknown>;
      try {
        outcome = await schema['~standard'].validate(raw);
      } catch (error) {
        // A schema whose transform throws is bad input too, not a reason to crash every delivery.
        throw new InvalidArgsError(options.name, [
          { message: `the schema threw: ${String(error)}`, path: [] },
        ]);
      }
      if (outcome.issues) throw new InvalidArgsError(options.name, outcome.issues.map(toValidationIssue));
      return outcome.value;
    },
    // Not an async function: one would stay paused, holding its frame, for as long as the task runs.
    execute(parsedArgs, ctx): Promise<Awaited<TResult>> {
      try {
        return Promise.resolve(options.run(parsedArgs as ArgsOutputOf<TSchema>, ctx));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
  schemas.set(task, schema ?? null);
  return task;
}

/** The schema of each task `defineTask` made (`null`: it takes no arguments). */
const schemas = new WeakMap<AnyTask, ArgsSchema | null>();

/**
 * Validates `raw` against the task's schema synchronously, when that is possible: the issues (empty
 * when valid), or `undefined` when the schema answers with a Promise or the task was not made by
 * `defineTask`. What `defineSchedule` checks a schedule's arguments with.
 */
export function argsIssuesNow(task: AnyTask, raw: unknown): readonly ValidationIssue[] | undefined {
  if (!schemas.has(task)) return undefined;
  const schema = schemas.get(task);
  if (!schema) {
    return raw === undefined || raw === null ? [] : [{ message: 'this task takes no arguments', path: [] }];
  }
  let outcome: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    outcome = schema['~standard'].validate(raw);
  } catch (error) {
    return [{ message: `the schema threw: ${String(error)}`, path: [] }];
  }
  if (outcome instanceof Promise) {
    outcome.catch(() => {}); // Settled by each run's own validation instead.
    return undefined;
  }
  return outcome.issues ? outcome.issues.map(toValidationIssue) : [];
}

/**
 * Throws a {@link ConfigError} saying what was given unless `value` looks like a task: what plain
 * JavaScript callers get for `enqueue('name', ...)` instead of a `TypeError` from deep inside.
 */
export function checkTask(value: unknown): asserts value is AnyTask {
  const task = value as Partial<AnyTask> | null | undefined;
  if (
    typeof task === 'object' &&
    task !== null &&
    typeof task.name === 'string' &&
    typeof task.parseArgs === 'function' &&
    typeof task.retry === 'object'
  ) {
    return;
  }
  throw new ConfigError(`Expected a task made by \`defineTask\`, got ${describeValue(value)}`);
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 100))}`;
  if (typeof value === 'function') return `a function${value.name ? ` named "${value.name}"` : ''}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length
      ? `an object with keys ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', ...' : ''}`
      : 'an empty object';
  }
  return `the ${typeof value} ${String(value)}`;
}

function toValidationIssue(issue: StandardSchemaV1.Issue): ValidationIssue {
  return {
    message: issue.message,
    path: (issue.path ?? []).map((segment) => {
      const key = typeof segment === 'object' ? segment.key : segment;
      return typeof key === 'number' ? key : String(key);
    }),
  };
}

/** The tasks one worker serves, by name. Names come from messages; lookup is a map, never an import. */
export class TaskRegistry {
  readonly #tasks = new Map<string, AnyTask>();

  constructor(tasks: Iterable<AnyTask>) {
    for (const task of tasks) {
      if (this.#tasks.has(task.name)) {
        throw new ConfigError(`Task name "${task.name}" is registered twice; task names must be unique`);
      }
      this.#tasks.set(task.name, task);
    }
  }

  get(name: string): AnyTask | undefined {
    return this.#tasks.get(name);
  }

  get names(): string[] {
    return [...this.#tasks.keys()];
  }

  /** The largest attempt budget of any task: what the queue's redrive policy must allow for. */
  get maxAttempts(): number {
    return Math.max(1, ...[...this.#tasks.values()].map((t) => t.retry.maxAttempts));
  }
}
