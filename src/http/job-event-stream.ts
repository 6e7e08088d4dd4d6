/**
 * A job's Server-Sent Events stream for one subscriber. The subscriber keeps only a cursor (event number,
 * log lines and status history entries already sent) and the latest record its poller read: when the
 * client is slow, newer records replace older ones, so intermediate progress is coalesced and memory
 * stays bounded, while log lines, statuses (from the job's history) and the final event are never
 * lost, since the latest record still holds them. The cursor is the event id, so a reconnect with
 * `Last-Event-ID` resumes without repeating a line, in any process that has the same job.
 */
import { isFinalStatus, type JobRecord, JobStatus } from '../core/job.js';
import type { JobView } from './job-view.js';
import { toJobView, toLogLine } from './job-view.js';
import type { Subscription, TimerSet, WatchUpdate } from './job-watchers.js';

/** Where a subscriber is: the next event number, and how much of the job's logs and history it has. */
export interface StreamCursor {
  readonly seq: number;
  readonly logs: number;
  readonly history: number;
}

/** `<seq>.<logs>.<history>`, the id of the event that leaves the subscriber at `cursor`. */
export function formatEventId(cursor: StreamCursor): string {
  return `${cursor.seq}.${cursor.logs}.${cursor.history}`;
}

/** The cursor a `Last-Event-ID` names; undefined for anything this stream never sent. */
export function parseEventId(value: string | null | undefined): StreamCursor | undefined {
  const match = value?.match(/^(\d{1,9})\.(\d{1,6})\.(\d{1,6})$/);
  if (!match) return undefined;
  return { seq: Number(match[1]), logs: Number(match[2]), history: Number(match[3]) };
}

/** One SSE frame: each line of the JSON is a `data:` line (JSON.stringify never emits a newline). */
export function formatEvent(event: string, id: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

const finalEvents = {
  [JobStatus.succeeded]: 'result',
  [JobStatus.failed]: 'failed',
  [JobStatus.cancelled]: 'cancelled',
} as Record<string, string>;

/** The subscriber's side: what it has sent, and the frames a newer record adds. */
export class JobEventCursor {
  #seq: number;
  #logs: number;
  #history: number;
  #viewKey: string | undefined;
  #progressKey: string | undefined;
  #ended = false;
  readonly #includeArgs: boolean;

  constructor(resumeFrom: StreamCursor | undefined, includeArgs: boolean) {
    this.#seq = resumeFrom?.seq ?? 0;
    this.#logs = resumeFrom?.logs ?? 0;
    this.#history = resumeFrom?.history ?? 0;
    this.#includeArgs = includeArgs;
  }

  get ended(): boolean {
    return this.#ended;
  }

  #id(): string {
    this.#seq++;
    return formatEventId({ seq: this.#seq, logs: this.#logs, history: this.#history });
  }

  #view(job: JobRecord): JobView {
    return toJobView(job, { includeArgs: this.#includeArgs });
  }

  /** The first frame of a new stream: everything so far, in one `snapshot`. */
  snapshot(job: JobRecord): string {
    const view = this.#view(job);
    this.#logs = job.logs.length;
    this.#history = job.history.length;
    this.#remember(view);
    return formatEvent('snapshot', this.#id(), { ...view, logs: job.logs.map(toLogLine) }) + this.#final(job);
  }

  /**
   * The first frames of a resumed stream: what the client missed, opening with the current view as a
   * `status` (a fresh cursor has shown no view yet) unless the job is final.
   */
  resume(job: JobRecord): string {
    return this.changes(job);
  }

  /** The frames that take the subscriber from what it has to `job`; '' when nothing it shows changed. */
  changes(job: JobRecord): string {
    if (this.#ended) return '';
    let out = '';
    const view = this.#view(job);
    const final = isFinalStatus(job.status);
    // Statuses the job went through since the last event, from its history: a short-lived status
    // that no poll saw (queued → running → succeeded within one interval) is still reported.
    const entries = job.history.slice(this.#history);
    let sentStatus = false;
    // A `status` with the current view carries its progress too: no `progress` event repeats it.
    let sentCurrentView = false;
    for (const [i, entry] of entries.entries()) {
      this.#history++;
      const last = i === entries.length - 1;
      if (last && final) break; // reported by the final event
      out += formatEvent('status', this.#id(), last ? view : { ...view, status: entry.status });
      sentStatus = true;
      sentCurrentView = last;
    }
    if (!sentStatus && !final && viewKey(view) !== this.#viewKey) {
      out += formatEvent('status', this.#id(), view);
      sentCurrentView = true;
    }
    for (const line of job.logs.slice(this.#logs)) {
      this.#logs++;
      out += formatEvent('log', this.#id(), toLogLine(line));
    }
    if (!final && !sentCurrentView && JSON.stringify(view.progress ?? null) !== this.#progressKey) {
      out += formatEvent('progress', this.#id(), view);
    }
    this.#remember(view);
    return out + this.#final(job);
  }

  /** The stream's end when the job was deleted while watched. */
  gone(update: Extract<WatchUpdate, { kind: 'gone' }>): string {
    if (this.#ended) return '';
    this.#ended = true;
    return formatEvent('end', this.#id(), {
      error: { code: update.error.code, message: update.error.message },
    });
  }

  #final(job: JobRecord): string {
    if (!isFinalStatus(job.status) || this.#ended) return '';
    this.#ended = true;
    this.#history = Math.max(this.#history, job.history.length);
    const event = finalEvents[job.status] ?? 'status';
    return (
      formatEvent(event, this.#id(), this.#view(job)) + formatEvent('end', this.#id(), { status: job.status })
    );
  }

  #remember(view: JobView): void {
    this.#viewKey = viewKey(view);
    this.#progressKey = JSON.stringify(view.progress ?? null);
  }
}

/** The parts of a view a `status` event is for (progress has its own event). */
function viewKey(view: JobView): string {
  const { progress: _progress, ...rest } = view;
  return JSON.stringify(rest);
}

const encoder = new TextEncoder();

/**
 * The response body of one subscriber: a pull stream, so nothing is produced for a client that does not
 * read; a heartbeat comment when nothing happened for `heartbeatIntervalMs`; the subscription released
 * on the end of the job, on cancel (the client went) and on `signal`.
 */
export function jobEventStream(options: {
  readonly subscription: Subscription;
  /** Set by the caller: where this stream's updates arrive. */
  readonly updates: { onUpdate: (update: WatchUpdate) => void };
  readonly first: JobRecord;
  readonly cursor: JobEventCursor;
  readonly resumed: boolean;
  readonly retryMs: number;
  readonly heartbeatIntervalMs: number;
  readonly timers: TimerSet;
  readonly signal: AbortSignal;
  /** Called once, when the stream is released for whatever reason. */
  readonly onRelease: () => void;
}): ReadableStream<Uint8Array> {
  const { cursor, timers } = options;
  let latest: WatchUpdate | undefined;
  let wake: (() => void) | undefined;
  let heartbeat: ReturnType<typeof setTimeout> | undefined;
  let released = false;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;

  const release = () => {
    if (released) return;
    released = true;
    options.subscription.unsubscribe();
    timers.clear(heartbeat);
    heartbeat = undefined;
    options.signal.removeEventListener('abort', onAbort);
    wake?.();
    options.onRelease();
  };
  const onAbort = () => {
    release();
    try {
      controllerRef?.close();
    } catch {
      // Already closed or errored.
    }
  };
  options.updates.onUpdate = (update) => {
    latest = update;
    wake?.();
  };
  options.signal.addEventListener('abort', onAbort);

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
        if (options.signal.aborted) {
          onAbort();
          return;
        }
        const opening = options.resumed ? cursor.resume(options.first) : cursor.snapshot(options.first);
        controller.enqueue(encoder.encode(`retry: ${options.retryMs}\n\n${opening}`));
        if (cursor.ended) {
          release();
          controller.close();
        }
      },
      async pull(controller) {
        while (!released) {
          const update = latest;
          latest = undefined;
          const frames = update
            ? update.kind === 'job'
              ? cursor.changes(update.job)
              : cursor.gone(update)
            : '';
          if (frames) {
            controller.enqueue(encoder.encode(frames));
            if (cursor.ended) {
              release();
              controller.close();
            }
            return;
          }
          const woken = await new Promise<boolean>((resolve) => {
            wake = () => resolve(true);
            heartbeat = timers.set(() => resolve(false), options.heartbeatIntervalMs);
          });
          wake = undefined;
          timers.clear(heartbeat);
          heartbeat = undefined;
          if (!woken && !released) {
            controller.enqueue(encoder.encode(': ping\n\n'));
            return;
          }
        }
      },
      cancel() {
        release();
      },
    },
    // One chunk ahead at most: a client that stops reading stops the frames, not the poller.
    { highWaterMark: 1 },
  );
}
