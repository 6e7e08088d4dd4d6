/**
 * `longhaul/browser`: a small client for web pages to enqueue a job through the app's `longhaul/http`
 * handler and watch it live (status, progress, log lines, result or error), typed by the task. No
 * framework, no dependencies, nothing from Node: bundle it with the page's own code.
 */

export type {
  HttpErrorBody,
  JobSnapshot,
  JobView,
  JobViewError,
  JobViewLogLine,
  JobViewProgress,
  LatestScheduleResultView,
} from './browser/job-view.js';
export { reconnectDefaults } from './browser/reconnect-delay.js';
export { JobRequestError } from './browser/request-error.js';
export {
  cancelJob,
  type EnqueuedJob,
  type EnqueueJobOptions,
  enqueueJob,
  getJob,
  getLatestScheduleResult,
  type JobRequestOptions,
  jobUrl,
} from './browser/requests.js';
export {
  type JobWatch,
  type JobWatchEvent,
  type JobWatchHandlers,
  type WatchJobOptions,
  watchJob,
} from './browser/watch-job.js';
