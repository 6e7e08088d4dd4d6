/** `GET /jobs/:id/events`: the job's Server-Sent Events stream, on the handler's shared pollers. */
import type { ResolvedHttpOptions } from './handler-options.js';
import { JobEventCursor, jobEventStream, parseEventId } from './job-event-stream.js';
import { authorizedId } from './job-routes.js';
import type { JobWatchers, TimerSet, WatchUpdate } from './job-watchers.js';
import { HttpProblem } from './responses.js';
import type { Route, RouteRequest } from './router.js';

/** The streams a handler has open, so that `close()` can end them and `stats()` count them. */
export interface OpenStreams {
  readonly all: Set<AbortController>;
}

export function jobEventsRoute(
  options: ResolvedHttpOptions,
  watchers: JobWatchers,
  timers: TimerSet,
  open: OpenStreams,
): Route {
  return {
    path: ['jobs', ':id', 'events'],
    methods: { GET: (r) => events(options, watchers, timers, open, r) },
  };
}

async function events(
  options: ResolvedHttpOptions,
  watchers: JobWatchers,
  timers: TimerSet,
  open: OpenStreams,
  route: RouteRequest,
): Promise<Response> {
  const id = authorizedId(options, route, 'read');
  const resumeFrom = parseEventId(route.request.headers.get('last-event-id'));
  const updates = { onUpdate: (_update: WatchUpdate) => {} };
  const subscription = watchers.subscribe(id, (update) => updates.onUpdate(update));
  let first: Awaited<typeof subscription.first>;
  try {
    first = await subscription.first;
  } catch (error) {
    subscription.unsubscribe();
    throw error; // JobNotFoundError: 404
  }
  const access = options.tasks.get(first.task);
  if (!access) {
    subscription.unsubscribe();
    throw new HttpProblem(404, 'job_not_found', `No job with id "${id}"`);
  }
  const closer = new AbortController();
  open.all.add(closer);
  const body = jobEventStream({
    subscription,
    updates,
    first,
    cursor: new JobEventCursor(resumeFrom, access.includeArgs),
    resumed: resumeFrom !== undefined,
    retryMs: options.retryMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    timers,
    signal: AbortSignal.any([route.request.signal, closer.signal]),
    onRelease: () => open.all.delete(closer),
  });
  return new Response(body, {
    status: 200,
    headers: {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // Proxies that buffer (nginx) would hold the events back.
      'X-Accel-Buffering': 'no',
    },
  });
}
