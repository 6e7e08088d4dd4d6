/**
 * `longhaul/http`: routes for web apps on the fetch API (enqueue from a page, read a job, cancel it),
 * with job tokens that let a browser reach exactly one job.
 *
 * @example
 * import { createHttpHandler } from 'longhaul/http';
 * const handler = createHttpHandler({ longhaul, tasks: [analyse], secret, prefix: '/api/longhaul' });
 */
export { createHttpHandler, type HttpHandler, type HttpHandlerStats } from './http/handler.js';
export type { HttpHandlerOptions, HttpPollOptions, HttpTaskAccess } from './http/handler-options.js';
export type { EnqueueResponse } from './http/job-routes.js';
export {
  createJobToken,
  JobTokenAction,
  type JobTokenCheck,
  type JobTokenClaims,
  type JobTokenProblem,
  type JobTokenSecret,
  verifyJobToken,
} from './http/job-token.js';
export type { JobView, JobViewLogLine } from './http/job-view.js';
export { type LambdaUrlEvent, type LambdaUrlResult, lambdaUrlHandler } from './http/lambda-url.js';
export { type NodeListener, toNodeListener } from './http/node-listener.js';
export type { HttpErrorBody } from './http/responses.js';
export type { LatestScheduleResultView } from './http/schedule-latest.js';
