/**
 * `createHttpHandler`: Longhaul's routes for web apps on the fetch API, so one handler mounts in
 * node:http, Express, Fastify, Hono, Next.js route handlers and a Lambda function URL.
 */
import { type HttpHandlerOptions, resolveHttpOptions } from './handler-options.js';
import { jobEventsRoute, type OpenStreams } from './job-events-route.js';
import { jobRoutes } from './job-routes.js';
import { JobWatchers, TimerSet } from './job-watchers.js';
import { errorResponse } from './responses.js';
import { type Route, route, withCors } from './router.js';
import { scheduleRoutes } from './schedule-latest.js';

/** What a handler's event streams hold at this moment. */
export interface HttpHandlerStats {
  /** Event streams open. */
  readonly openStreams: number;
  /** Jobs with a poller: one each, however many streams watch them. */
  readonly watchedJobs: number;
  /** Subscriptions to the pollers (one per open stream). */
  readonly subscribers: number;
  /** Timers pending: pollers' next reads and idle streams' heartbeats. Zero once every stream is gone. */
  readonly pendingTimers: number;
  /** Store reads under way. */
  readonly readsInFlight: number;
  /** Reads the pollers made since the handler was created. */
  readonly pollReads: number;
}

/** A fetch-API request handler, with a look at its event streams and a way to end them. */
export interface HttpHandler {
  (request: Request): Promise<Response>;
  /** What the handler's event streams and pollers hold now. */
  stats(): HttpHandlerStats;
  /** Ends every open event stream (clients reconnect elsewhere with `Last-Event-ID`), e.g. on shutdown. */
  close(): void;
}

/**
 * Builds the handler of the routes below `prefix`:
 *
 * - `POST /jobs` `{ task, args, jobId? }` → 202 `{ job, token }` (an allowed task; `authorize` decides)
 * - `GET /jobs/:id` → 200 the job's view (token with `read`)
 * - `GET /jobs/:id/events` → the job's Server-Sent Events until it is final (token with `read`)
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
  const timers = new TimerSet();
  const watchers = new JobWatchers(resolved.longhaul, resolved.poll, resolved.logger, timers);
  const open: OpenStreams = { all: new Set() };
  const routes: Route[] = [
    ...jobRoutes(resolved),
    jobEventsRoute(resolved, watchers, timers, open),
    ...scheduleRoutes(resolved),
  ];
  const handler = async (request: Request) => {
    let response: Response;
    try {
      response = await route(routes, request, resolved);
    } catch (error) {
      response = errorResponse(error, resolved.logger);
    }
    return withCors(response, request, resolved);
  };
  return Object.assign(handler, {
    stats(): HttpHandlerStats {
      const watch = watchers.stats();
      return {
        openStreams: open.all.size,
        watchedJobs: watch.watchedJobs,
        subscribers: watch.subscribers,
        pendingTimers: timers.size,
        readsInFlight: watch.readsInFlight,
        pollReads: watch.reads,
      };
    },
    close(): void {
      for (const closer of [...open.all]) closer.abort();
    },
  });
}
