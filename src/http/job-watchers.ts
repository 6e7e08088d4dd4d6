/**
 * One poller per watched job, shared by every event stream open on it in this process: reads grow with
 * the number of jobs watched, never with the number of connections. A poller reads the job with the
 * client's `getJob` (one GetItem on DynamoDB; the logs are on the item), faster while it runs, backing
 * off while it waits, and stops when its last subscriber leaves or the job is final.
 */
import type { Longhaul } from '../client/longhaul.js';
import { JobNotFoundError } from '../core/errors.js';
import { isFinalStatus, type JobRecord, JobStatus } from '../core/job.js';
import { jsonLogger, type Logger } from '../core/logger.js';
import type { ResolvedHttpOptions } from './handler-options.js';

/** What a subscriber hears: the job's latest record, or that it is gone. */
export type WatchUpdate =
  | { readonly kind: 'job'; readonly job: JobRecord }
  | { readonly kind: 'gone'; readonly error: JobNotFoundError };

/** A subscriber's hold on a watched job. */
export interface Subscription {
  /** The first record read (or the latest one, for a job already watched); rejects when it cannot be read. */
  readonly first: Promise<JobRecord>;
  /** Leaves the watch; the last one to leave stops the poller. Idempotent. */
  unsubscribe(): void;
}

/** What the handler's pollers are doing, for tests and health checks. */
export interface WatchStats {
  /** Jobs with a poller. */
  readonly watchedJobs: number;
  /** Subscriptions across them (one per open event stream). */
  readonly subscribers: number;
  /** Reads under way. */
  readonly readsInFlight: number;
  /** `getJob` calls made by pollers since the handler was created. */
  readonly reads: number;
}

/** Pending timers, counted so the stats can say honestly that nothing is left behind. */
export class TimerSet {
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  set(callback: () => void, ms: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      callback();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  clear(timer: ReturnType<typeof setTimeout> | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(timer);
  }

  get size(): number {
    return this.#timers.size;
  }
}

type Listener = (update: WatchUpdate) => void;

class JobWatch {
  readonly listeners = new Set<Listener>();
  latest: JobRecord | undefined;
  signature = '';
  first: Promise<JobRecord>;
  timer: ReturnType<typeof setTimeout> | undefined;
  reading = false;
  stopped = false;
  waitingIntervalMs: number;

  constructor(
    readonly id: string,
    first: Promise<JobRecord>,
    waitingIntervalMs: number,
  ) {
    this.first = first;
    this.waitingIntervalMs = waitingIntervalMs;
  }
}

/** The registry of one handler's pollers, keyed by job id. */
export class JobWatchers {
  readonly #watches = new Map<string, JobWatch>();
  readonly #longhaul: Longhaul;
  readonly #poll: ResolvedHttpOptions['poll'];
  readonly #logger: Logger | undefined;
  readonly #timers: TimerSet;
  #reads = 0;

  constructor(
    longhaul: Longhaul,
    poll: ResolvedHttpOptions['poll'],
    logger: Logger | undefined,
    timers: TimerSet,
  ) {
    this.#timers = timers;
    this.#longhaul = longhaul;
    this.#poll = poll;
    this.#logger = logger;
  }

  /** Joins the watch of job `id` (starting its poller if it has none); `listener` hears every change. */
  subscribe(id: string, listener: Listener): Subscription {
    let watch = this.#watches.get(id);
    if (!watch) {
      const created = new JobWatch(id, Promise.resolve(undefined as never), this.#poll.waitingIntervalMs);
      created.first = this.#firstRead(created);
      // Nobody may be listening yet when the first read fails; the subscriber's own `first` reports it.
      created.first.catch(() => {});
      this.#watches.set(id, created);
      watch = created;
    }
    const joined = watch;
    joined.listeners.add(listener);
    let left = false;
    return {
      first: joined.latest ? Promise.resolve(joined.latest) : joined.first,
      unsubscribe: () => {
        if (left) return;
        left = true;
        joined.listeners.delete(listener);
        if (joined.listeners.size === 0) this.#stop(joined);
      },
    };
  }

  stats(): WatchStats {
    let subscribers = 0;
    let reading = 0;
    for (const watch of this.#watches.values()) {
      subscribers += watch.listeners.size;
      if (watch.reading) reading++;
    }
    return {
      watchedJobs: this.#watches.size,
      subscribers,
      readsInFlight: reading,
      reads: this.#reads,
    };
  }

  async #firstRead(watch: JobWatch): Promise<JobRecord> {
    try {
      const job = await this.#read(watch);
      this.#accept(watch, job);
      return job;
    } catch (error) {
      this.#stop(watch);
      throw error;
    }
  }

  async #read(watch: JobWatch): Promise<JobRecord> {
    this.#reads++;
    watch.reading = true;
    try {
      return await this.#longhaul.getJob(watch.id);
    } finally {
      watch.reading = false;
    }
  }

  /** Takes a record: tells the listeners if it changed, then schedules the next read unless it is final. */
  #accept(watch: JobWatch, job: JobRecord): void {
    if (watch.stopped) return;
    const signature = signatureOf(job);
    const changed = signature !== watch.signature;
    watch.latest = job;
    watch.signature = signature;
    if (changed) for (const listener of watch.listeners) listener({ kind: 'job', job });
    if (isFinalStatus(job.status)) {
      // Nothing changes a final job but an explicit retry; its subscribers have what they need.
      this.#stop(watch);
      return;
    }
    this.#schedule(watch, this.#intervalFor(watch, job, changed));
  }

  /** Faster while the job runs; while it waits, doubling from the first interval up to the longest. */
  #intervalFor(watch: JobWatch, job: JobRecord, changed: boolean): number {
    if (job.status === JobStatus.running) {
      watch.waitingIntervalMs = this.#poll.waitingIntervalMs;
      return this.#poll.runningIntervalMs;
    }
    if (changed) watch.waitingIntervalMs = this.#poll.waitingIntervalMs;
    const interval = watch.waitingIntervalMs;
    watch.waitingIntervalMs = Math.min(interval * 2, this.#poll.waitingMaxIntervalMs);
    return interval;
  }

  #schedule(watch: JobWatch, ms: number): void {
    watch.timer = this.#timers.set(() => {
      watch.timer = undefined;
      void this.#tick(watch);
    }, ms);
  }

  async #tick(watch: JobWatch): Promise<void> {
    if (watch.stopped) return;
    let job: JobRecord;
    try {
      job = await this.#read(watch);
    } catch (error) {
      if (watch.stopped) return;
      if (error instanceof JobNotFoundError) {
        // Deleted (purged, expired) while watched: say so and stop.
        for (const listener of watch.listeners) listener({ kind: 'gone', error });
        this.#stop(watch);
        return;
      }
      // A failed read is retried at the slowest pace; subscribers keep their streams (and heartbeats).
      (this.#logger ?? jsonLogger).error('longhaul/http could not read a watched job', {
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      this.#schedule(watch, this.#poll.waitingMaxIntervalMs);
      return;
    }
    this.#accept(watch, job);
  }

  #stop(watch: JobWatch): void {
    watch.stopped = true;
    this.#timers.clear(watch.timer);
    watch.timer = undefined;
    if (this.#watches.get(watch.id) === watch) this.#watches.delete(watch.id);
  }
}

/** What the event stream shows of a job; a read that changes none of it wakes nobody. */
function signatureOf(job: JobRecord): string {
  return JSON.stringify([
    job.status,
    job.attempts,
    job.progress,
    job.logs.length,
    job.history.length,
    job.startedAt,
    job.finishedAt,
    job.cancelRequestedAt,
    job.error?.code,
    job.error?.message,
  ]);
}
