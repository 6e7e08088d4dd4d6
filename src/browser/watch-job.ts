// Watches one job live from a browser: reads the job's Server-Sent Events stream from `longhaul/http`
// with `fetch` (so the token goes in the `Authorization` header, never in the URL), parses it, keeps the
// job's latest state, and reconnects with back-off, resuming after the last event it saw.
import type { AnyTask, TaskResult } from '../core/task.js';
import type { JobSnapshot, JobView, JobViewError, JobViewLogLine } from './job-view.js';
import { reconnectDefaults, reconnectDelayMs } from './reconnect-delay.js';
import { errorFromResponse, JobRequestError } from './request-error.js';
import { type SseEvent, SseParser } from './sse-parser.js';

/** One change of the watched job, in the order the server sent them. */
export type JobWatchEvent<TResult = unknown> =
  /** The job as it stands and its log so far: first on every connection. */
  | { readonly type: 'snapshot'; readonly job: JobSnapshot<TResult> }
  | { readonly type: 'status'; readonly job: JobView<TResult> }
  | { readonly type: 'progress'; readonly job: JobView<TResult> }
  | { readonly type: 'log'; readonly line: JobViewLogLine }
  | { readonly type: 'result'; readonly job: JobView<TResult>; readonly result: TResult }
  | { readonly type: 'failed'; readonly job: JobView<TResult>; readonly error: JobViewError }
  | { readonly type: 'cancelled'; readonly job: JobView<TResult> }
  /** The job is final and the stream is over: the last event. */
  | { readonly type: 'end'; readonly job: JobView<TResult> };

/** Callbacks for the events of a watched job; each is optional. */
export interface JobWatchHandlers<TResult = unknown> {
  onSnapshot?(job: JobSnapshot<TResult>): void;
  onStatus?(job: JobView<TResult>): void;
  /** The progress changed (carried by a `progress` event or by a `status` event's view). */
  onProgress?(job: JobView<TResult>): void;
  onLog?(line: JobViewLogLine): void;
  /** The job succeeded. Exactly one of `onResult`, `onFailed`, `onCancelled` is called, before `onEnd`. */
  onResult?(result: TResult, job: JobView<TResult>): void;
  onFailed?(error: JobViewError, job: JobView<TResult>): void;
  onCancelled?(job: JobView<TResult>): void;
  /** The stream is over: the job is final. */
  onEnd?(job: JobView<TResult>): void;
  /**
   * The connection failed. `willRetry` false means the watch gave up (a 4xx such as an expired token,
   * or `maxReconnectAttempts` failures in a row): no more events come and `done` rejects with `error`.
   */
  onError?(error: JobRequestError, willRetry: boolean): void;
}

/** What {@link watchJob} accepts: the handlers, and how to connect. */
export interface WatchJobOptions<TResult = unknown> extends JobWatchHandlers<TResult> {
  /** Closes the watch when aborted, as `close()` does. */
  readonly signal?: AbortSignal;
  /** The `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
  /** The first wait before reconnecting, unless the server sent a `retry:` hint. Default 1 000. */
  readonly reconnectDelayMs?: number;
  /** The longest wait between reconnects (the wait doubles up to it). Default 30 000. */
  readonly maxReconnectDelayMs?: number;
  /** Failed connections in a row before the watch gives up. Default: no limit. */
  readonly maxReconnectAttempts?: number;
  /**
   * A connection silent this long (no event, no heartbeat) is taken for dead and replaced: a proxy can
   * drop an idle stream without closing it. Default 45 000 (three server heartbeats); 0 turns it off.
   */
  readonly idleTimeoutMs?: number;
  /** Resume after this event id (one from an earlier watch's `lastEventId`) instead of from the start. */
  readonly lastEventId?: string;
}

/**
 * A job being watched: callbacks fire as events arrive, and it is also an async iterable of the same
 * events (`for await (const event of watch)`), which ends after the `end` event. Leaving such a loop
 * early closes the watch.
 */
export interface JobWatch<TResult = unknown> extends AsyncIterable<JobWatchEvent<TResult>> {
  /** The job as last seen, with its log lines so far; undefined before the first event. */
  readonly job: JobSnapshot<TResult> | undefined;
  /** The id of the last event received: resume from it with the `lastEventId` option. */
  readonly lastEventId: string;
  /**
   * Resolves with the final job after `end`. Rejects with the {@link JobRequestError} the watch gave up
   * on, or an `AbortError` when closed first.
   */
  readonly done: Promise<JobView<TResult>>;
  /** Stops watching: aborts the request and cancels any pending reconnect. Safe to call more than once. */
  close(): void;
}

/**
 * Watches a job live. `url` is the job's base URL (as `enqueueJob` returns it: `<jobs URL>/<id>`) and
 * `token` its job token. Type it by the task to type the result: `watchJob<typeof resize>(...)`.
 *
 * @example
 * import type { resize } from '../tasks.js';
 * const watch = watchJob<typeof resize>(url, token, {
 *   onProgress: (job) => { bar.value = job.progress?.fraction ?? 0; },
 *   onLog: (line) => log.append(line.message),
 *   onResult: (result) => show(result.key),
 *   onFailed: (error) => alert(error.message),
 * });
 *
 * @example
 * for await (const event of watchJob<typeof resize>(url, token)) {
 *   if (event.type === 'result') show(event.result.key);
 * }
 */
export function watchJob<TTask extends AnyTask = AnyTask>(
  url: string,
  token: string,
  options: WatchJobOptions<TaskResult<TTask>> = {},
): JobWatch<TaskResult<TTask>> {
  return new JobEventStream<TaskResult<TTask>>(url, token, options);
}

type Listener<TResult> = (event: JobWatchEvent<TResult> | { type: 'stopped'; error?: unknown }) => void;

class JobEventStream<TResult> implements JobWatch<TResult> {
  readonly done: Promise<JobView<TResult>>;
  readonly #url: string;
  readonly #token: string;
  readonly #options: WatchJobOptions<TResult>;
  readonly #closing = new AbortController();
  readonly #listeners = new Set<Listener<TResult>>();
  #resolveDone!: (job: JobView<TResult>) => void;
  #rejectDone!: (error: unknown) => void;
  #job: JobSnapshot<TResult> | undefined;
  #lastEventId: string;
  /** The server's `retry:` hint, which replaces the first reconnect delay. */
  #serverRetryMs: number | undefined;
  #sawFinalEvent = false;
  /** The current connection delivered an event: if it breaks, the back-off starts over. */
  #delivered = false;
  #stopped = false;

  constructor(url: string, token: string, options: WatchJobOptions<TResult>) {
    checkOptions(options);
    this.#url = url.replace(/\/+$/, '');
    this.#token = token;
    this.#options = options;
    this.#lastEventId = options.lastEventId ?? '';
    this.done = new Promise<JobView<TResult>>((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
    // Callers who use only the handlers never await `done`: its rejection must not be reported unhandled.
    this.done.catch(() => undefined);
    if (options.signal?.aborted) {
      this.close();
      return;
    }
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
    void this.#run();
  }

  get job(): JobSnapshot<TResult> | undefined {
    return this.#job;
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  close(): void {
    if (this.#stopped) return;
    this.#stop(abortError());
  }

  [Symbol.asyncIterator](): AsyncIterator<JobWatchEvent<TResult>> {
    const queue: JobWatchEvent<TResult>[] = [];
    let finished = this.#stopped;
    let failure: unknown;
    let wake: (() => void) | undefined;
    // An iterator started after events arrived begins with the job as it stands, logs included.
    if (this.#job && !this.#stopped) queue.push({ type: 'snapshot', job: this.#job });
    const listener: Listener<TResult> = (event) => {
      if (event.type === 'stopped') {
        finished = true;
        // Closing by hand ends the loop quietly; giving up on the connection throws from it.
        if (!isAbortError(event.error)) failure = event.error;
      } else {
        queue.push(event);
      }
      wake?.();
    };
    if (!finished) this.#listeners.add(listener);
    const detach = () => this.#listeners.delete(listener);
    return {
      next: async () => {
        for (;;) {
          const event = queue.shift();
          if (event) return { value: event, done: false };
          if (finished) {
            detach();
            if (failure !== undefined) {
              const error = failure;
              failure = undefined;
              throw error;
            }
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      },
      return: async () => {
        detach();
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  /** Connects, reads, and reconnects until the job ends, the watch is closed, or it gives up. */
  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      const connection = new AbortController();
      const stopConnection = () => connection.abort(this.#closing.signal.reason);
      this.#closing.signal.addEventListener('abort', stopConnection, { once: true });
      this.#delivered = false;
      try {
        await this.#connect(connection);
        if (this.#stopped) return;
        throw new JobRequestError('The job event stream closed before the job ended', {
          status: 0,
          code: 'stream_closed',
        });
      } catch (cause) {
        if (this.#stopped) return;
        const error =
          cause instanceof JobRequestError
            ? cause
            : new JobRequestError(`Watching the job failed: ${describe(cause)}`, {
                status: 0,
                code: 'network_error',
                cause,
              });
        if (this.#delivered) failures = 0;
        failures++;
        const giveUp =
          !error.retryable ||
          failures > (this.#options.maxReconnectAttempts ?? reconnectDefaults.maxAttempts);
        this.#call(() => this.#options.onError?.(error, !giveUp));
        if (giveUp) {
          this.#stop(error);
          return;
        }
        await this.#wait(
          reconnectDelayMs(
            failures,
            this.#serverRetryMs ?? this.#options.reconnectDelayMs ?? reconnectDefaults.initialDelayMs,
            this.#options.maxReconnectDelayMs ?? reconnectDefaults.maxDelayMs,
          ),
        );
      } finally {
        this.#closing.signal.removeEventListener('abort', stopConnection);
      }
    }
  }

  /** One connection: resolves when the stream ends, rejects when it fails. */
  async #connect(connection: AbortController): Promise<void> {
    const fetchImpl = this.#options.fetch ?? globalThis.fetch;
    const idleTimeoutMs = this.#options.idleTimeoutMs ?? reconnectDefaults.idleTimeoutMs;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      if (idleTimeoutMs === 0) return;
      if (idleTimer !== undefined) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        connection.abort(
          new JobRequestError(`The job event stream was silent for ${idleTimeoutMs} ms`, {
            status: 0,
            code: 'stream_idle',
          }),
        );
      }, idleTimeoutMs);
    };
    try {
      touch();
      const response = await fetchImpl(`${this.#url}/events`, {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${this.#token}`,
          ...(this.#lastEventId === '' ? {} : { 'last-event-id': this.#lastEventId }),
        },
        signal: connection.signal,
      });
      if (!response.ok) throw await errorFromResponse(response, 'Watching the job');
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.startsWith('text/event-stream') || !response.body) {
        throw new JobRequestError(
          `Watching the job failed: the answer is ${contentType || 'untyped'}, not an event stream`,
          {
            status: response.status,
            code: 'not_event_stream',
          },
        );
      }
      const parser = new SseParser(
        {
          onEvent: (event) => {
            this.#delivered = true;
            this.#lastEventId = event.id;
            this.#handle(event);
          },
          onRetry: (delayMs) => {
            this.#serverRetryMs = delayMs;
          },
        },
        this.#lastEventId,
      );
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          touch();
          parser.push(decoder.decode(value, { stream: true }));
          if (this.#stopped) break;
        }
      } finally {
        // Releases the connection (and with it the server's poller) as soon as the watch stops.
        await reader.cancel().catch(() => undefined);
      }
    } catch (error) {
      if (connection.signal.reason instanceof JobRequestError) throw connection.signal.reason;
      throw error;
    } finally {
      if (idleTimer !== undefined) clearTimeout(idleTimer);
    }
  }

  #handle(event: SseEvent): void {
    if (this.#stopped) return;
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      // Not an event of this protocol (a comment-like keep-alive some proxies inject): skip it.
      return;
    }
    const handlers = this.#options;
    switch (event.type) {
      case 'snapshot': {
        const snapshot = data as JobSnapshot<TResult>;
        this.#job = { ...snapshot, logs: snapshot.logs ?? [] };
        const job = this.#job;
        this.#emit({ type: 'snapshot', job }, () => handlers.onSnapshot?.(job));
        return;
      }
      case 'status':
      case 'progress': {
        const before = progressKey(this.#job);
        const job = this.#update(data as JobView<TResult>);
        if (event.type === 'status') this.#emit({ type: 'status', job }, () => handlers.onStatus?.(job));
        // The server lets a `status` carrying new progress stand for the `progress` event too; the
        // watch still reports the change as progress, so a page listening for progress alone sees it.
        if (event.type === 'progress' || progressKey(job) !== before) {
          this.#emit({ type: 'progress', job }, () => handlers.onProgress?.(job));
        }
        return;
      }
      case 'log': {
        const line = data as JobViewLogLine;
        if (this.#job) this.#job = { ...this.#job, logs: [...this.#job.logs, line] };
        this.#emit({ type: 'log', line }, () => handlers.onLog?.(line));
        return;
      }
      case 'result':
      case 'failed':
      case 'cancelled':
        this.#final(this.#update(data as JobView<TResult>));
        return;
      case 'end': {
        // `{ status }` when the job ended; `{ error }` alone when it was deleted while watched.
        const ending = data as { status?: unknown; error?: { code?: unknown; message?: unknown } } | null;
        const gone = ending?.status === undefined ? ending?.error : undefined;
        if (gone !== undefined) {
          // The job was deleted while watched (its retention ran out, or an operator purged it).
          const error = new JobRequestError(
            `The job is gone: ${typeof gone.message === 'string' ? gone.message : 'deleted while watched'}`,
            { status: 404, code: typeof gone.code === 'string' ? gone.code : 'job_not_found' },
          );
          this.#call(() => handlers.onError?.(error, false));
          this.#stop(error);
          return;
        }
        const job = this.#job ?? (data as JobView<TResult>);
        // A stream that went straight to `end` (the job was final before it opened) still reports how
        // the job ended, so exactly one of onResult/onFailed/onCancelled fires in every case.
        if (!this.#sawFinalEvent) this.#final(job);
        this.#emit({ type: 'end', job }, () => handlers.onEnd?.(job));
        this.#resolveDone(job);
        this.#stop(undefined);
        return;
      }
      default:
        // Event types a newer server adds are not this client's business.
        return;
    }
  }

  /** Reports how the job ended, from its final view. */
  #final(job: JobView<TResult>): void {
    const handlers = this.#options;
    if (this.#sawFinalEvent) return;
    if (job.status === 'succeeded') {
      this.#sawFinalEvent = true;
      const result = job.result as TResult;
      this.#emit({ type: 'result', job, result }, () => handlers.onResult?.(result, job));
    } else if (job.status === 'failed') {
      this.#sawFinalEvent = true;
      const error = job.error ?? { name: 'Error', message: 'The job failed' };
      this.#emit({ type: 'failed', job, error }, () => handlers.onFailed?.(error, job));
    } else if (job.status === 'cancelled') {
      this.#sawFinalEvent = true;
      this.#emit({ type: 'cancelled', job }, () => handlers.onCancelled?.(job));
    }
  }

  /** Takes a newer view of the job, keeping the log lines the view does not carry. */
  #update(view: JobView<TResult>): JobView<TResult> {
    this.#job = { ...view, logs: this.#job?.logs ?? [] };
    return view;
  }

  #emit(event: JobWatchEvent<TResult>, handler: () => void): void {
    this.#call(handler);
    for (const listener of this.#listeners) listener(event);
  }

  /**
   * Runs a user's handler. One that throws must not break the stream for the others: its error is
   * thrown again outside, where the page reports it as uncaught (as an EventSource listener's would be).
   */
  #call(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      setTimeout(() => {
        throw error;
      }, 0);
    }
  }

  #stop(error: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (error !== undefined) this.#rejectDone(error);
    this.#closing.abort(error ?? abortError());
    for (const listener of this.#listeners) listener({ type: 'stopped', error });
    this.#listeners.clear();
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#closing.signal.addEventListener('abort', done, { once: true });
    });
  }
}

function progressKey(job: JobView<unknown> | undefined): string {
  return JSON.stringify(job?.progress ?? null);
}

function checkOptions(options: WatchJobOptions<unknown>): void {
  const checks: Array<[keyof WatchJobOptions<unknown>, number | undefined, number]> = [
    ['reconnectDelayMs', options.reconnectDelayMs, 1],
    ['maxReconnectDelayMs', options.maxReconnectDelayMs, 1],
    ['maxReconnectAttempts', options.maxReconnectAttempts, 0],
    ['idleTimeoutMs', options.idleTimeoutMs, 0],
  ];
  for (const [name, value, min] of checks) {
    if (value === undefined) continue;
    const valid =
      value === Number.POSITIVE_INFINITY ? name === 'maxReconnectAttempts' : Number.isInteger(value);
    if (!valid || value < min) {
      throw new TypeError(`Expected \`${name}\` to be an integer from ${min} up, got \`${value}\``);
    }
  }
}

function abortError(): Error {
  const error = new Error('The job watch was closed');
  error.name = 'AbortError';
  return error;
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
