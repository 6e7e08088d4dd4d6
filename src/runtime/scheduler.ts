import { setTimeout as sleep } from 'node:timers/promises';
import { traceSend } from '../client/trace-spans.js';
import { type CronExpression, parseCron } from '../core/cron.js';
import { ConfigError } from '../core/errors.js';
import { jsonLogger, type Logger } from '../core/logger.js';
import type { Transport } from '../core/ports.js';
import {
  cronFields,
  rateIntervalMs,
  type Schedule,
  scheduledEnvelope,
  scheduledJobId,
} from '../core/schedule.js';

const maxTimerMs = 2 ** 31 - 1;

/** One firing of a schedule. */
export interface ScheduledRun {
  readonly schedule: Schedule;
  readonly jobId: string;
  /** The firing time, ISO 8601 to the second, as EventBridge would give it. */
  readonly firedAt: string;
}

/** What `startScheduler` takes. */
export interface SchedulerOptions {
  readonly schedules: readonly Schedule[];
  /** The queue each run's message is sent to, e.g. `backend.transport`. */
  readonly transport: Transport;
  /**
   * How much faster than real time the schedule clock runs. Default 1. The demo uses 20 so that
   * `rate(1 minute)` fires every 3 s; run ids still carry the schedule clock's time.
   */
  readonly timeScale?: number;
  /** Called after each run's message is sent. */
  readonly onFire?: (run: ScheduledRun) => void;
  /** Default: JSON lines on stderr for warnings and errors. */
  readonly logger?: Logger;
}

/**
 * Fires schedules in-process, for the embedded backend and local runs: each firing sends the run's
 * envelope to the queue, exactly what the deployed EventBridge rule sends, so a run is an ordinary job.
 * Cron expressions are EventBridge's six fields, in UTC, weekdays 1–7 from Sunday (see `core/cron.ts`).
 * Rates fire every interval from the start, as a new EventBridge rule does.
 */
export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #timeScale: number;
  readonly #stopped = new AbortController();
  readonly #loops: Promise<void>[];
  readonly #startedAt = Date.now();

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#timeScale = options.timeScale ?? 1;
    if (!(this.#timeScale > 0 && this.#timeScale <= 10_000)) {
      throw new ConfigError(
        `Expected \`timeScale\` to be above 0 and at most 10000, got \`${this.#timeScale}\``,
      );
    }
    const next = options.schedules.map((schedule) => nextFiringOf(schedule));
    this.#loops = options.schedules.map((schedule, i) =>
      this.#loop(schedule, next[i] as (after: number) => number),
    );
  }

  /** The schedule clock: real time, sped up by `timeScale` since the start. */
  now(): number {
    return this.#startedAt + (Date.now() - this.#startedAt) * this.#timeScale;
  }

  /** Stops firing. Runs already sent stay queued. */
  async stop(): Promise<void> {
    this.#stopped.abort();
    await Promise.all(this.#loops);
  }

  async #loop(schedule: Schedule, nextAfter: (after: number) => number): Promise<void> {
    const logger = this.#o.logger ?? jsonLogger;
    // EventBridge fires on whole minutes; so do runs here, which keeps run ids the same in both places.
    let previous = Math.floor(this.now() / 60_000) * 60_000;
    while (!this.#stopped.signal.aborted) {
      const due = nextAfter(previous);
      // A timer cannot wait longer than about 24.8 days; wake up and look again before then.
      const waitMs = Math.min(maxTimerMs, Math.max(0, (due - this.now()) / this.#timeScale));
      try {
        await sleep(waitMs, undefined, { signal: this.#stopped.signal, ref: false });
      } catch {
        return;
      }
      if (this.now() < due) continue;
      previous = due;
      const firedAt = new Date(due).toISOString().replace(/\.\d{3}Z$/, 'Z');
      try {
        // A run nothing asked for starts a trace of its own.
        await traceSend(
          this.#o.transport,
          { task: schedule.task, count: 1, root: true, schedule: schedule.name },
          (span) => {
            span.setJob(scheduledJobId(schedule.name, firedAt));
            const body = JSON.stringify(scheduledEnvelope(schedule, firedAt));
            return this.#o.transport.send([{ body, ...(span.carrier ? { trace: span.carrier } : {}) }]);
          },
        );
        this.#o.onFire?.({ schedule, jobId: scheduledJobId(schedule.name, firedAt), firedAt });
      } catch (error) {
        // Like a missed EventBridge delivery: this run is lost, the schedule goes on.
        logger.error('could not send a scheduled run', {
          schedule: schedule.name,
          firedAt,
          error: String(error),
        });
      }
    }
  }
}

/** Starts firing `schedules`. Stop it with `stop()`. */
export function startScheduler(options: SchedulerOptions): Scheduler {
  return new Scheduler(options);
}

/** The function giving a schedule's next firing time strictly after a time (epoch ms). */
function nextFiringOf(schedule: Schedule): (after: number) => number {
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

/** Throws a `ConfigError` if a schedule's cron expression does not parse. */
export function checkCronExpressions(schedules: readonly Schedule[]): void {
  for (const schedule of schedules) nextFiringOf(schedule);
}
