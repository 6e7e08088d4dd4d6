// The dashboard's JSON API: what the page reads and the actions it takes, on a `Longhaul` client.
import type { DeadLetter, QueueStats } from '../client/client-types.js';
import type { Longhaul } from '../client/longhaul.js';
import { ConfigError, ErrorCode, LonghaulError } from '../core/errors.js';
import { type JobPage, type JobRecord, type JobStatus, jobStatuses } from '../core/job.js';
import { HttpError } from './http.js';

/** A job as the list shows it: no arguments, result, logs or history. */
export interface JobSummary {
  readonly id: string;
  readonly task: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly enqueuedAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly progress?: JobRecord['progress'];
  readonly error?: { readonly code: string; readonly message: string };
  readonly deadLettered?: boolean;
}

/** A page of the job list. */
export interface JobListPage {
  readonly jobs: readonly JobSummary[];
  readonly nextCursor?: string;
}

/** A dead letter as the dashboard shows it; `body` is cut to {@link maxBodyChars}. */
export type DeadLetterView = Omit<DeadLetter, 'body'> & {
  readonly body: string;
  readonly truncated: boolean;
};

const maxBodyChars = 2_000;

/** Page size of the job list: default and limit. */
export const listLimits = { default: 25, max: 200 } as const;
/** Dead letters shown: default and limit. */
export const deadLetterLimits = { default: 50, max: 500 } as const;

/** The job list's filter and page, validated. */
export interface ListParams {
  readonly status?: JobStatus;
  readonly task?: string;
  readonly cursor?: string;
  readonly limit: number;
}

/** Reads `status`, `task`, `cursor` and `limit` from a query string; 400 on a bad value. */
export function parseListParams(query: URLSearchParams): ListParams {
  const status = query.get('status') || undefined;
  if (status !== undefined && !(jobStatuses as readonly string[]).includes(status)) {
    throw badRequest(
      `Expected \`status\` to be one of ${jobStatuses.join(', ')}, got ${JSON.stringify(status)}`,
    );
  }
  const task = query.get('task') || undefined;
  if (task !== undefined && task.length > 256) {
    throw badRequest(`Expected \`task\` to be at most 256 characters, got ${task.length}`);
  }
  const cursor = query.get('cursor') || undefined;
  if (cursor !== undefined && cursor.length > 2048) {
    throw badRequest(`Expected \`cursor\` to be a \`nextCursor\` from a previous page`);
  }
  return {
    ...(status ? { status: status as JobStatus } : {}),
    ...(task ? { task } : {}),
    ...(cursor ? { cursor } : {}),
    limit: parseLimit(query.get('limit'), listLimits),
  };
}

/** Reads an integer `limit` from 1 to `max`, `default` when absent; 400 otherwise. */
export function parseLimit(raw: string | null, bounds: { default: number; max: number }): number {
  if (raw === null || raw === '') return bounds.default;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > bounds.max) {
    throw badRequest(
      `Expected \`limit\` to be an integer from 1 to ${bounds.max}, got ${JSON.stringify(raw)}`,
    );
  }
  return limit;
}

/** Reads the body of `POST dlq/redrive`: optional string `jobId` and `task`, nothing else. */
export function parseRedriveBody(body: Record<string, unknown>): { jobId?: string; task?: string } {
  const unknown = Object.keys(body).filter((key) => key !== 'jobId' && key !== 'task');
  if (unknown.length > 0) {
    throw badRequest(`Unknown field ${JSON.stringify(unknown[0])}; expected only \`jobId\` and \`task\``);
  }
  const out: { jobId?: string; task?: string } = {};
  for (const key of ['jobId', 'task'] as const) {
    const value = body[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
      throw badRequest(
        `Expected \`${key}\` to be a string of 1–256 characters, got ${JSON.stringify(value)}`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** The API's reads and actions. Every method throws {@link HttpError} or a Longhaul error. */
export class DashboardApi {
  readonly #longhaul: Longhaul;

  constructor(longhaul: Longhaul) {
    this.#longhaul = longhaul;
  }

  stats(): Promise<QueueStats> {
    return this.#longhaul.stats();
  }

  async jobs(params: ListParams): Promise<JobListPage> {
    const page: JobPage = await this.#longhaul.list({
      limit: params.limit,
      ...(params.status ? { status: params.status } : {}),
      ...(params.task ? { task: params.task } : {}),
      ...(params.cursor ? { cursor: params.cursor } : {}),
    });
    return {
      jobs: page.jobs.map(summarize),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  async job(id: string): Promise<Omit<JobRecord, 'leaseToken'>> {
    return withoutLeaseToken(await this.#longhaul.getJob(id));
  }

  async deadLetters(limit: number): Promise<{ deadLetters: DeadLetterView[] }> {
    const letters = await this.#longhaul.deadLetters({ limit });
    return {
      deadLetters: letters.map((letter) => ({
        ...letter,
        body: letter.body.slice(0, maxBodyChars),
        truncated: letter.body.length > maxBodyChars,
      })),
    };
  }

  async cancel(id: string): Promise<{ job: Omit<JobRecord, 'leaseToken'> }> {
    return { job: withoutLeaseToken(await this.#longhaul.cancel(id)) };
  }

  async retry(id: string): Promise<{ job: Omit<JobRecord, 'leaseToken'> }> {
    return { job: withoutLeaseToken(await this.#longhaul.retry(id)) };
  }

  async redrive(options: { jobId?: string; task?: string }): Promise<{ redriven: string[]; left: number }> {
    const result = await this.#longhaul.redrive(options);
    return { redriven: [...result.redriven], left: result.left };
  }
}

function summarize(job: JobRecord): JobSummary {
  return {
    id: job.id,
    task: job.task,
    status: job.status,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    enqueuedAt: job.enqueuedAt,
    ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt !== undefined ? { finishedAt: job.finishedAt } : {}),
    ...(job.progress ? { progress: job.progress } : {}),
    ...(job.error ? { error: { code: job.error.code, message: job.error.message } } : {}),
    ...(job.deadLettered ? { deadLettered: true } : {}),
  };
}

/** The record without what lets a holder act on the job's locks: its fencing token and a handoff's receipt. */
function withoutLeaseToken(job: JobRecord): Omit<JobRecord, 'leaseToken'> {
  const { leaseToken: _fence, handoff: _receipt, ...rest } = job;
  return rest;
}

function badRequest(message: string): HttpError {
  return new HttpError(400, 'invalid_request', message);
}

/**
 * The status and body an error becomes. Longhaul's own "not found" and "conflict" keep their codes;
 * bad input is 400; anything else is a 500 whose message says nothing of the server's internals.
 */
export function errorResponse(error: unknown): {
  status: number;
  code: string;
  message: string;
  headers: Readonly<Record<string, string>>;
  internal: boolean;
} {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      headers: error.headers,
      internal: false,
    };
  }
  if (error instanceof LonghaulError) {
    if (error.code === ErrorCode.jobNotFound) return known(404, error);
    if (error.code === ErrorCode.jobConflict) return known(409, error);
    if (error instanceof ConfigError) return { ...known(400, error), code: 'invalid_request' };
  }
  return {
    status: 500,
    code: 'internal_error',
    message: 'Internal server error',
    headers: {},
    internal: true,
  };
}

function known(status: number, error: LonghaulError) {
  return { status, code: error.code, message: error.message, headers: {}, internal: false };
}
