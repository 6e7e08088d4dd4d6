/**
 * `createHttpHandler`: Longhaul's routes for web apps on the fetch API, so one handler mounts in
 * node:http, Express, Fastify, Hono, Next.js route handlers and a Lambda function URL.
 */
import { type HttpHandlerOptions, resolveHttpOptions } from './handler-options.js';
import { jobRoutes } from './job-routes.js';
import { errorResponse } from './responses.js';
import { type Route, route, withCors } from './router.js';
import { scheduleRoutes } from './schedule-latest.js';

/** A fetch-API request handler. */
export type HttpHandler = (request: Request) => Promise<Response>;

/**
 * Builds the handler of the routes below `prefix`:
 *
 * - `POST /jobs` `{ task, args, jobId? }` → 202 `{ job, token }` (an allowed task; `authorize` decides)
 * - `GET /jobs/:id` → 200 the job's view (token with `read`)
 * - `POST /jobs/:id/cancel` → 202 the job's view (token with `cancel`, task allowing cancel)
 * - `GET /schedules/:name/latest` → 200 a schedule's last succeeded run, with `ETag` and `Cache-Control`
 *   (no token: only the schedules in `schedules`)
 *
 * Errors are JSON `{ error: { code, message, issues? } }` with a 4xx status.
 *
 * @example
 * const handler = createHttpHandler({ longhaul, tasks: [analyse], secret: process.env.LONGHAUL_HTTP_SECRET!, prefix: '/api/jobs' });
 * export const POST = handler; // a Next.js route handler
 */
export function createHttpHandler(options: HttpHandlerOptions): HttpHandler {
  const resolved = resolveHttpOptions(options);
  const routes: Route[] = [...jobRoutes(resolved), ...scheduleRoutes(resolved)];
  return async (request) => {
    let response: Response;
    try {
      response = await route(routes, request, resolved);
    } catch (error) {
      response = errorResponse(error, resolved.logger);
    }
    return withCors(response, request, resolved);
  };
}
