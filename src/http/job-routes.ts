/**
 * The job routes: enqueue a job of an allowed task (answering with a token for it), read it, cancel it.
 * Reads and cancels are decided by the job's token alone, checked before any read of the store, so a
 * request without a good token costs nothing.
 */
import type { JobRecord } from '../core/job.js';
import type { ResolvedHttpOptions, ResolvedTaskAccess } from './handler-options.js';
import { createJobToken, type JobTokenAction, verifyJobToken } from './job-token.js';
import { type JobView, toJobView } from './job-view.js';
import { readJsonBody } from './request-body.js';
import { HttpProblem, json } from './responses.js';
import type { Route, RouteRequest } from './router.js';

/** The answer to `POST /jobs`. */
export interface EnqueueResponse {
  readonly job: JobView;
  /** Bearer token for this job's read (and cancel, when its task allows it) routes. */
  readonly token: string;
}

/** Job ids are at most 128 characters; a longer path segment is no job's. */
const maxJobIdChars = 128;

export function jobRoutes(options: ResolvedHttpOptions): Route[] {
  return [
    { path: ['jobs'], methods: { POST: (r) => enqueue(options, r) } },
    { path: ['jobs', ':id'], methods: { GET: (r) => read(options, r) } },
    { path: ['jobs', ':id', 'cancel'], methods: { POST: (r) => cancel(options, r) } },
  ];
}

async function enqueue(options: ResolvedHttpOptions, { request }: RouteRequest): Promise<Response> {
  const body = await readJsonBody(request, options.maxBodyBytes);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpProblem(400, 'invalid_request', 'Expected a JSON object { "task": string, "args": ... }');
  }
  const { task: name, args, jobId, ...rest } = body as Record<string, unknown>;
  const unknownFields = Object.keys(rest);
  if (unknownFields.length > 0) {
    throw new HttpProblem(
      400,
      'invalid_request',
      `Unexpected field(s) ${unknownFields.map((f) => JSON.stringify(f)).join(', ')}: expected task, args and jobId`,
    );
  }
  if (typeof name !== 'string') {
    throw new HttpProblem(400, 'invalid_request', 'Expected `task` to be the name of a task');
  }
  if (jobId !== undefined && typeof jobId !== 'string') {
    throw new HttpProblem(400, 'invalid_request', 'Expected `jobId` to be a string when given');
  }
  const access = options.tasks.get(name);
  if (!access) {
    throw new HttpProblem(
      403,
      'task_not_allowed',
      `Task ${JSON.stringify(name.slice(0, 128))} cannot be enqueued here`,
    );
  }
  if (!(await options.authorize(request, access.task))) {
    throw new HttpProblem(403, 'forbidden', `This request may not enqueue task "${name}"`);
  }
  // The client validates the arguments with the task's schema and throws InvalidArgsError (400).
  const handle = await options.longhaul.enqueue(access.task, args, jobId === undefined ? {} : { jobId });
  if (!handle.created) {
    // The id (or unique key) is another job's: a token for it would let anyone read any job they can name.
    throw new HttpProblem(
      409,
      'job_exists',
      handle.matched === 'key'
        ? 'A job with the same unique key already exists; no token is issued for it'
        : 'A job with this id already exists; no token is issued for it',
    );
  }
  const job = await options.longhaul.getJob(handle.id);
  const actions: JobTokenAction[] = access.cancel ? ['read', 'cancel'] : ['read'];
  const token = createJobToken({
    secret: options.secret,
    jobId: handle.id,
    actions,
    ttlSeconds: options.tokenTtlSeconds,
  });
  return json(202, { job: toJobView(job, access), token } satisfies EnqueueResponse);
}

async function read(options: ResolvedHttpOptions, route: RouteRequest): Promise<Response> {
  const { job, access } = await authorizedJob(options, route, 'read');
  return json(200, toJobView(job, access));
}

async function cancel(options: ResolvedHttpOptions, route: RouteRequest): Promise<Response> {
  const id = authorizedId(options, route, 'cancel');
  const { access } = await allowedJob(options, id);
  if (!access.cancel) {
    throw new HttpProblem(
      403,
      'cancel_not_allowed',
      `Jobs of task "${access.task.name}" cannot be cancelled here`,
    );
  }
  // JobConflictError (a finished job) becomes 409.
  const job = await options.longhaul.cancel(id);
  return json(202, toJobView(job, access));
}

/** The job id of the path, once the request's token allows `action` on it; throws 401/403 otherwise. */
export function authorizedId(
  options: ResolvedHttpOptions,
  { request, params }: RouteRequest,
  action: JobTokenAction,
): string {
  const id = params.id ?? '';
  if (id.length === 0 || id.length > maxJobIdChars) {
    throw new HttpProblem(400, 'invalid_job_id', `Expected a job id of 1–${maxJobIdChars} characters`);
  }
  const check = verifyJobToken(bearerToken(request), { secret: options.secret, jobId: id, action });
  if (!check.ok) {
    throw new HttpProblem(check.status, check.code, tokenMessages[check.code], {
      ...(check.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
    });
  }
  return id;
}

/** The job of the path and its task's access, once the request's token allows `action` on it. */
export function authorizedJob(
  options: ResolvedHttpOptions,
  route: RouteRequest,
  action: JobTokenAction,
): Promise<{ job: JobRecord; access: ResolvedTaskAccess }> {
  return allowedJob(options, authorizedId(options, route, action));
}

/** The job, when its task is on the allow-list: a token minted elsewhere does not open other tasks' jobs. */
async function allowedJob(
  options: ResolvedHttpOptions,
  id: string,
): Promise<{ job: JobRecord; access: ResolvedTaskAccess }> {
  const job = await options.longhaul.getJob(id);
  const access = options.tasks.get(job.task);
  if (!access) throw new HttpProblem(404, 'job_not_found', `No job with id "${id}"`);
  return { job, access };
}

const tokenMessages = {
  token_missing: 'Expected a job token in the Authorization header: Bearer <token>',
  token_invalid: 'The job token is malformed or its signature does not match',
  token_expired: 'The job token has expired',
  token_wrong_job: 'The job token is for another job',
  token_wrong_action: 'The job token does not allow this action',
} as const;

/** The token of an `Authorization: Bearer <token>` header. */
function bearerToken(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
