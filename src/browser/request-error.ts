// The one error the browser client throws for an answer it cannot use: the server's typed JSON error
// (code, message, schema issues) when it sent one, else the bare HTTP status.
import type { ValidationIssue } from '../core/errors.js';
import type { HttpErrorBody } from './job-view.js';

/**
 * A request to `longhaul/http` failed: `status` is the HTTP status (0 when no answer came), `code` the
 * server's error code (`invalid_args`, `job_not_found`, `token_expired`, ...) or `http_<status>`.
 */
export class JobRequestError extends Error {
  override readonly name = 'JobRequestError';
  readonly status: number;
  readonly code: string;
  /** Which arguments failed the task's schema, on a 400 for bad arguments. */
  readonly issues: readonly ValidationIssue[];

  constructor(
    message: string,
    options: { status: number; code: string; issues?: readonly ValidationIssue[]; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.code = options.code;
    this.issues = options.issues ?? [];
  }

  /**
   * True when asking again can help: no answer, a server error, or too many requests. A 4xx means the
   * request itself is wrong (bad or expired token, unknown job) and repeating it changes nothing.
   */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

/** The error for a response that is not ok, from its JSON body when it has the server's shape. */
export async function errorFromResponse(response: Response, doing: string): Promise<JobRequestError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = isErrorBody(body) ? body.error : undefined;
  return new JobRequestError(
    `${doing} failed with HTTP ${response.status}${error ? `: ${error.message}` : ''}`,
    {
      status: response.status,
      code: error?.code ?? `http_${response.status}`,
      ...(error?.issues ? { issues: error.issues } : {}),
    },
  );
}

function isErrorBody(body: unknown): body is HttpErrorBody {
  if (typeof body !== 'object' || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
