// The page's routes, in the URL's hash: `#/?status=&task=` (the job list), `#/jobs/<id>`, `#/dlq`.
import type { JobStatus } from './api-types.js';

/** Every status, in the order the page shows them. */
export const statuses: readonly JobStatus[] = [
  'scheduled',
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
];

/** What the page shows. */
export type Route =
  | { readonly view: 'list'; readonly status: JobStatus | ''; readonly task: string }
  | { readonly view: 'job'; readonly id: string }
  | { readonly view: 'dlq' };

/** Reads a route from `location.hash`; anything unknown is the unfiltered list. */
export function parseRoute(locationHash: string): Route {
  const hash = locationHash.replace(/^#/, '') || '/';
  const q = hash.indexOf('?');
  const path = q < 0 ? hash : hash.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
  const job = /^\/jobs\/(.+)$/.exec(path);
  if (job?.[1] !== undefined) {
    try {
      return { view: 'job', id: decodeURIComponent(job[1]) };
    } catch {
      // Bad percent-encoding: show the list instead.
    }
  }
  if (path === '/dlq') return { view: 'dlq' };
  const status = params.get('status') || '';
  return {
    view: 'list',
    status: (statuses as readonly string[]).includes(status) ? (status as JobStatus) : '',
    task: params.get('task') || '',
  };
}

/** The hash of the job list filtered by status and task (empty means all). */
export function listHash(status: string, task: string): string {
  const params = new URLSearchParams();
  if (status) params.set('status', status);
  if (task) params.set('task', task);
  const query = params.toString();
  return `#/${query ? `?${query}` : ''}`;
}

/** The query of the live-update stream for a route (`view=...`), with the list's page cursor. */
export function viewParams(route: Route, cursor: string): URLSearchParams {
  const params = new URLSearchParams();
  if (route.view === 'job') {
    params.set('view', 'job');
    params.set('id', route.id);
  } else if (route.view === 'dlq') {
    params.set('view', 'dlq');
  } else {
    params.set('view', 'jobs');
    if (route.status) params.set('status', route.status);
    if (route.task) params.set('task', route.task);
    if (cursor) params.set('cursor', cursor);
  }
  return params;
}
