// The browser's one-shot requests to `longhaul/http`: enqueue a job (getting back its token), read it,
// cancel it. Each job has a base URL, `<jobs URL>/<id>`, under which the server answers for that job.
import type { AnyTask, TaskArgs, TaskResult } from '../core/task.js';
import type { JobView, LatestScheduleResultView } from './job-view.js';
import { errorFromResponse, JobRequestError } from './request-error.js';

/** What every request accepts. */
export interface JobRequestOptions {
  /** Aborts the request. */
  readonly signal?: AbortSignal;
  /** Extra headers for the app's own checks (a CSRF token, say). Cookies go as `fetch` sends them. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
}

/** What {@link enqueueJob} accepts besides the request options. */
export interface EnqueueJobOptions extends JobRequestOptions {
  /** The job's id, when the app chooses it (an idempotency key): enqueueing it twice gives one job. */
  readonly jobId?: string;
}

/** A job just enqueued: the job, the token to read it with, and its base URL for {@link watchJob}. */
export interface EnqueuedJob<TResult = unknown> {
  readonly job: JobView<TResult>;
  /** Scoped to this job and the actions the server allows on it; it expires. Keep it out of URLs. */
  readonly token: string;
  /** `<jobs URL>/<id>`: pass it with the token to `watchJob`, `getJob` or `cancelJob`. */
  readonly url: string;
}

/** The base URL of one job under the jobs URL (`/api/jobs` → `/api/jobs/<id>`). */
export function jobUrl(jobsUrl: string, jobId: string): string {
  return `${jobsUrl.replace(/\/+$/, '')}/${encodeURIComponent(jobId)}`;
}

/**
 * Asks the app's `longhaul/http` handler to enqueue a job of an allowed task. `url` is its jobs URL
 * (the handler's prefix + `/jobs`). Type it by the task to type the arguments and the result; the task
 * is imported as a type only, so none of its code reaches the browser.
 *
 * @example
 * import type { resize } from '../tasks.js';
 * const { url, token } = await enqueueJob<typeof resize>('/api/jobs', 'images.resize', { key, width: 640 });
 * const watch = watchJob<typeof resize>(url, token);
 *
 * @throws {JobRequestError} with the server's code: `invalid_args` (see `issues`), `task_not_allowed`, ...
 */
export async function enqueueJob<TTask extends AnyTask = AnyTask>(
  url: string,
  task: string,
  args: TaskArgs<TTask>,
  options: EnqueueJobOptions = {},
): Promise<EnqueuedJob<TaskResult<TTask>>> {
  const body = JSON.stringify({
    task,
    args,
    ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
  });
  const response = await send(url, 'Enqueueing the job', options, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const answer = (await response.json()) as { job: JobView<TaskResult<TTask>>; token: string };
  return { job: answer.job, token: answer.token, url: jobUrl(url, answer.job.id) };
}

/**
 * Reads a job once: status, progress, attempts, times, and its result or error. `url` is the job's base
 * URL (as {@link enqueueJob} returns it).
 *
 * @example
 * const job = await getJob<typeof resize>(url, token);
 * if (job.status === 'succeeded') show(job.result);
 */
export async function getJob<TTask extends AnyTask = AnyTask>(
  url: string,
  token: string,
  options: JobRequestOptions = {},
): Promise<JobView<TaskResult<TTask>>> {
  const response = await send(url, 'Reading the job', options, { method: 'GET', token });
  return (await response.json()) as JobView<TaskResult<TTask>>;
}

/**
 * Cancels a job, when the app allows it for the task and the token carries the `cancel` action. A
 * running job stops at its worker's next heartbeat: watch it to see it end.
 *
 * @example
 * await cancelJob(url, token);
 */
export async function cancelJob<TTask extends AnyTask = AnyTask>(
  url: string,
  token: string,
  options: JobRequestOptions = {},
): Promise<JobView<TaskResult<TTask>>> {
  const response = await send(`${url.replace(/\/+$/, '')}/cancel`, 'Cancelling the job', options, {
    method: 'POST',
    token,
  });
  return (await response.json()) as JobView<TaskResult<TTask>>;
}

/**
 * The result of a schedule's last succeeded run, from the app's `<prefix>/schedules/<name>/latest` route
 * (no token: the app lists which schedules it shows), or undefined before any run succeeded. The server
 * sends an `ETag` and a `Cache-Control` lifetime that ends when the next run is due, so polling this
 * costs the browser's cache, not the server. Type it by the schedule's task.
 *
 * @example
 * import type { refreshPrices } from '../tasks.js';
 * const latest = await getLatestScheduleResult<typeof refreshPrices>('/api/schedules/prices/latest');
 * if (latest) show(latest.result, new Date(latest.finishedAt));
 */
export async function getLatestScheduleResult<TTask extends AnyTask = AnyTask>(
  url: string,
  options: JobRequestOptions = {},
): Promise<LatestScheduleResultView<TaskResult<TTask>> | undefined> {
  try {
    const response = await send(url, 'Reading the schedule result', options, { method: 'GET' });
    return (await response.json()) as LatestScheduleResultView<TaskResult<TTask>>;
  } catch (error) {
    // Only "no run yet" is an answer; a schedule the app does not serve (or a wrong URL) is a mistake.
    if (error instanceof JobRequestError && error.code === 'schedule_result_not_found') {
      return undefined;
    }
    throw error;
  }
}

async function send(
  url: string,
  doing: string,
  options: JobRequestOptions,
  request: { method: string; headers?: Record<string, string>; body?: string; token?: string },
): Promise<Response> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: request.method,
      headers: {
        accept: 'application/json',
        ...options.headers,
        ...request.headers,
        ...(request.token === undefined ? {} : { authorization: `Bearer ${request.token}` }),
      },
      ...(request.body === undefined ? {} : { body: request.body }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw new JobRequestError(`${doing} failed: no answer from ${url}`, {
      status: 0,
      code: 'network_error',
      cause,
    });
  }
  if (!response.ok) throw await errorFromResponse(response, doing);
  return response;
}
