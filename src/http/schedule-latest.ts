/**
 * `GET {prefix}/schedules/:name/latest`: a schedule's last succeeded run, for pages that show the
 * figures of a periodic refresh. One read of the schedule's pointer item per request that reaches the
 * server; `ETag` (the run and its finish time) and `Cache-Control` let browsers and CDNs keep it until
 * it can change: no newer run can finish before the schedule's next firing after the run's own, so
 * until then the response is fresh for as long as is left; past it (a newer run may finish at any
 * moment), or for a schedule known by name only, for a short while.
 */
import type { Longhaul } from '../client/longhaul.js';
import { type AllowedSchedules, latestResultDefaults, maxAgeSeconds } from './allowed-schedules.js';
import type { ResolvedHttpOptions } from './handler-options.js';
import { json, problem } from './responses.js';
import type { Route } from './router.js';

/** The body of a 200: the run, its result and when it finished (ISO 8601). */
export interface LatestScheduleResultView {
  readonly schedule: string;
  readonly jobId: string;
  readonly result: unknown;
  readonly finishedAt: string;
  /** The firing time the run was scheduled for: runs are ordered by it. */
  readonly scheduledFor: string;
}

/** The route, answering for the schedules in the handler's `schedules` allow-list. */
export function scheduleRoutes(options: ResolvedHttpOptions): Route[] {
  return [
    {
      path: ['schedules', ':name', 'latest'],
      methods: {
        GET: ({ request, params }) =>
          serveLatestScheduleResult(options.longhaul, options.schedules, params.name ?? '', request),
      },
    },
  ];
}

/**
 * Answers the route for schedule `name`: 404 `schedule_not_allowed` for a name not in the allow-list
 * (whether or not such a schedule exists), 404 `schedule_result_not_found` before its first success,
 * 304 when `If-None-Match` names the current run, else 200.
 */
export async function serveLatestScheduleResult(
  longhaul: Longhaul,
  allowed: AllowedSchedules,
  name: string,
  request: Request,
  now = Date.now(),
): Promise<Response> {
  if (!allowed.has(name)) {
    return json(
      404,
      problem('schedule_not_allowed', `No schedule ${JSON.stringify(name.slice(0, 64))} is served here`),
    );
  }
  const latest = await longhaul.latestScheduleResult(name);
  if (!latest) {
    // Cached briefly too: a page full of readers waiting for the first run costs a read per while.
    return json(404, problem('schedule_result_not_found', `Schedule "${name}" has no succeeded run yet`), {
      'Cache-Control': `public, max-age=${latestResultDefaults.shortMaxAgeSeconds}`,
    });
  }
  const finishedAt = latest.finishedAt.getTime();
  const etag = `"${finishedAt.toString(36)}-${encodeURIComponent(latest.jobId)}"`;
  const maxAge = maxAgeSeconds(allowed.get(name), latest.scheduledFor.getTime(), now);
  const headers = {
    ETag: etag,
    'Cache-Control': `public, max-age=${maxAge}`,
    'Last-Modified': latest.finishedAt.toUTCString(),
  };
  if (matchesEtag(request.headers.get('if-none-match'), etag)) {
    return new Response(null, { status: 304, headers });
  }
  const view: LatestScheduleResultView = {
    schedule: latest.schedule,
    jobId: latest.jobId,
    result: latest.result,
    finishedAt: latest.finishedAt.toISOString(),
    scheduledFor: latest.scheduledFor.toISOString(),
  };
  return json(200, view, headers);
}

/** `If-None-Match`: `*`, or a list of tags, weak (`W/`) or strong, compared weakly as RFC 9110 says. */
function matchesEtag(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
