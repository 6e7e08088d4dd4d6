/**
 * Periodic jobs. A schedule names a task, an EventBridge schedule expression (`rate(...)` or `cron(...)`)
 * and the arguments of each run. Deployed, an EventBridge rule sends each run's envelope straight to the
 * queue; locally, `startScheduler` fires the same schedules in-process. Either way a run is an ordinary
 * job (status, retries, result) whose id is the schedule's name and the firing time, so a duplicate
 * firing of the same minute is the same job.
 */
import { type CronExpression, parseCron } from './cron.js';
import { envelopeVersion } from './envelope.js';
import { ConfigError, type ValidationIssue } from './errors.js';
import { jsonArgsIssues } from './json-args.js';
import { OverlapPolicy, type ScheduleRef } from './schedule-ref.js';
import { type AnyTask, argsIssuesNow, checkTask, type TaskArgs, type TaskResult } from './task.js';

/**
 * A periodic job, as `defineSchedule` returns it. Plain data, so the CDK construct can deploy it.
 * `TResult` is its task's result type, for `Longhaul.latestScheduleResult`.
 */
export interface Schedule<TResult = unknown> {
  /** Unique among schedules; 1–64 letters, digits, `.`, `_` or `-` (an EventBridge rule name). */
  readonly name: string;
  readonly task: string;
  /** An EventBridge expression, in UTC: `rate(5 minutes)` or `cron(0 6 * * ? *)`. */
  readonly expression: string;
  readonly args: unknown;
  readonly overlap: OverlapPolicy;
  readonly description?: string;
  /** Type-only: carries the task's result type. Never set at run time. */
  readonly __result?: () => TResult;
}

/** What `defineSchedule` takes besides the task and the expression. */
export interface ScheduleOptions<TArgs> {
  /**
   * Arguments of every run: checked against the task's schema here when the schema validates
   * synchronously (an async schema checks them when each run starts), and again when the run starts.
   */
  readonly args?: TArgs;
  /** Default: the task's name, with characters a rule name cannot hold replaced by `-`. */
  readonly name?: string;
  /** Default `allow`. */
  readonly overlap?: OverlapPolicy;
  readonly description?: string;
}

const namePattern = /^[A-Za-z0-9._-]{1,64}$/;
const ratePattern = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const unitMs = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/**
 * Declares a periodic job next to its task.
 *
 * @example
 * export const refresh = defineTask({ name: 'dashboard.refresh', run: async () => loadFigures() });
 * export const everyFiveMinutes = defineSchedule(refresh, 'rate(5 minutes)', { overlap: 'skip' });
 */
export function defineSchedule<T extends AnyTask>(
  task: T,
  expression: string,
  options: ScheduleOptions<TaskArgs<T>> = {},
): Schedule<TaskResult<T>> {
  checkTask(task);
  const name = options.name ?? task.name.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  const problems: string[] = [];
  if (!namePattern.test(name)) {
    problems.push(`\`name\` to be 1–64 letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}`);
  }
  const overlap = options.overlap ?? OverlapPolicy.allow;
  if (!Object.values(OverlapPolicy).includes(overlap)) {
    problems.push(`\`overlap\` to be "allow" or "skip", got ${JSON.stringify(overlap)}`);
  }
  const expressionProblem = checkExpression(expression);
  if (expressionProblem) problems.push(expressionProblem);
  let args: unknown = options.args ?? null;
  const jsonIssues = jsonArgsIssues(args);
  if (jsonIssues.length) {
    problems.push(`\`args\` to be portable JSON: ${describeIssues(jsonIssues)}`);
  } else {
    // What every run receives: the arguments as JSON carries them.
    args = JSON.parse(JSON.stringify(args));
    const argsProblem = scheduleArgsProblem(task, args);
    if (argsProblem) problems.push(argsProblem);
  }
  if (problems.length) {
    throw new ConfigError(`Invalid schedule for task "${task.name}": expected ${problems.join('; ')}`);
  }
  return {
    name,
    task: task.name,
    expression,
    args,
    overlap,
    ...(options.description ? { description: options.description } : {}),
  };
}

/**
 * Why a schedule's arguments fail its task's schema, checked now when the schema answers synchronously
 * (as Zod, Valibot and ArkType schemas without async refinements do). A schema that answers with a
 * Promise cannot be awaited where schedules are defined (at import, in a CDK app's synthesis): its
 * arguments are checked at each run, which fails the run's job with `invalid_args`.
 */
function scheduleArgsProblem(task: AnyTask, args: unknown): string | undefined {
  const issues = argsIssuesNow(task, args);
  if (!issues?.length) return undefined;
  return `\`args\` to satisfy the schema of task "${task.name}": ${describeIssues(issues)}`;
}

function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** Checks an expression as EventBridge would at deploy time, and that a cron expression can still fire. */
function checkExpression(expression: string): string | undefined {
  const rate = ratePattern.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const singular = !rate[2]?.endsWith('s');
    if (value < 1) return `a rate of at least 1, got ${JSON.stringify(expression)}`;
    if (singular !== (value === 1)) {
      return `"${value} ${rate[2]}" to use the ${value === 1 ? 'singular' : 'plural'} unit, as EventBridge requires, got ${JSON.stringify(expression)}`;
    }
    return undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (cron) {
    const fields = (cron[1] ?? '').trim().split(/\s+/);
    if (fields.length !== 6) {
      return `a cron expression of 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length} in ${JSON.stringify(expression)}`;
    }
    if (fields[2] !== '?' && fields[4] !== '?') {
      return `"?" in the day-of-month or the day-of-week field of ${JSON.stringify(expression)}, as EventBridge requires`;
    }
    let parsed: CronExpression;
    try {
      parsed = parseCron(cron[1] ?? '');
    } catch (error) {
      return `a cron expression within EventBridge's ranges, got ${JSON.stringify(expression)}: ${(error as Error).message}`;
    }
    if (parsed.nextAfter(Date.now()) === undefined) {
      return `a cron expression that can still fire, got ${JSON.stringify(expression)}, which names no date from now on`;
    }
    return undefined;
  }
  return `\`expression\` to be "rate(N unit)" or "cron(fields)", got ${JSON.stringify(expression)}`;
}

/** The interval of a `rate(...)` expression in milliseconds, or undefined for a cron expression. */
export function rateIntervalMs(expression: string): number | undefined {
  const rate = ratePattern.exec(expression);
  if (!rate) return undefined;
  const unit = (rate[2] ?? '').replace(/s$/, '') as keyof typeof unitMs;
  return Number(rate[1]) * unitMs[unit];
}

/** The six fields of a `cron(...)` expression, or undefined for a rate expression. */
export function cronFields(expression: string): string | undefined {
  return /^cron\((.+)\)$/.exec(expression)?.[1]?.trim();
}

/** The function giving a schedule's next firing time strictly after a time (epoch ms). */
export function nextFiringOf(schedule: Schedule): (after: number) => number {
  const interval = rateIntervalMs(schedule.expression);
  if (interval !== undefined) return (after) => after + interval;
  let cron: CronExpression;
  try {
    cron = parseCron(cronFields(schedule.expression) ?? '');
  } catch (error) {
    throw new ConfigError(
      `Invalid cron expression ${JSON.stringify(schedule.expression)} of schedule "${schedule.name}": ${(error as Error).message}`,
    );
  }
  // A cron with no future time (a past year) never fires again.
  return (after) => cron.nextAfter(after) ?? Number.POSITIVE_INFINITY;
}

/** The job id of the run of `schedule` fired at `firedAt` (an ISO 8601 time). */
export function scheduledJobId(scheduleName: string, firedAt: string): string {
  return `${scheduleName}@${firedAt}`;
}

/**
 * The message body of one run, with `firedAt` standing for the firing time. The CDK construct passes
 * the placeholder `<time>` of an input transformer mapping `time` to the event's `$.time`; the
 * in-process scheduler passes the real time. No producer writes a run's record, so the envelope says the
 * worker does (`workerRecord`): its first claim puts the record whole.
 */
export function scheduledEnvelope(schedule: Schedule, firedAt: string): Record<string, unknown> {
  const ref: ScheduleRef = { name: schedule.name, overlap: schedule.overlap };
  return {
    v: envelopeVersion,
    id: scheduledJobId(schedule.name, firedAt),
    task: schedule.task,
    args: schedule.args,
    enqueuedAt: firedAt,
    schedule: ref,
    workerRecord: true,
  };
}

/** Throws unless schedule names are unique and each names one of `tasks`. */
export function checkSchedules(schedules: readonly Schedule[], tasks: readonly AnyTask[]): void {
  const names = new Set<string>();
  const problems: string[] = [];
  for (const schedule of schedules) {
    if (names.has(schedule.name)) problems.push(`schedule name "${schedule.name}" is used twice`);
    names.add(schedule.name);
    const task = tasks.find((t) => t.name === schedule.task);
    if (!task) {
      problems.push(`schedule "${schedule.name}" runs task "${schedule.task}", which is not among the tasks`);
    } else {
      const argsProblem = scheduleArgsProblem(task, schedule.args);
      if (argsProblem) problems.push(`schedule "${schedule.name}" to have ${argsProblem}`);
    }
  }
  if (problems.length) throw new ConfigError(`Invalid schedules: ${problems.join('; ')}`);
}
