/**
 * JSON answers and the one place that turns what went wrong into a status code: Longhaul's typed errors
 * become 4xx answers with their code; anything else is a 500 that says nothing about its cause.
 */
import {
  InvalidArgsError,
  InvalidJobIdError,
  InvalidKeyError,
  JobConflictError,
  JobNotFoundError,
  PayloadTooLargeError,
} from '../core/errors.js';
import { jsonLogger, type Logger } from '../core/logger.js';

/** The body of every error answer. */
export interface HttpErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues?: readonly { readonly message: string; readonly path: readonly (string | number)[] }[];
  };
}

/** A refusal decided by the routes themselves (bad request, token, method...). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

const noStore = { 'Cache-Control': 'no-store' };

/** A JSON answer that no cache keeps. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...noStore, ...headers },
  });
}

/** The answer for anything thrown while handling a request. */
export function errorResponse(error: unknown, logger: Logger | undefined): Response {
  if (error instanceof HttpProblem) {
    return json(error.status, problem(error.code, error.message), error.headers);
  }
  if (error instanceof InvalidArgsError) {
    return json(400, {
      error: {
        code: error.code,
        message: error.message,
        issues: error.issues.map((i) => ({ message: i.message, path: [...i.path] })),
      },
    } satisfies HttpErrorBody);
  }
  if (error instanceof InvalidJobIdError || error instanceof InvalidKeyError) {
    return json(400, problem(error.code, error.message));
  }
  if (error instanceof PayloadTooLargeError) return json(413, problem(error.code, error.message));
  if (error instanceof JobNotFoundError) return json(404, problem(error.code, error.message));
  if (error instanceof JobConflictError) return json(409, problem(error.code, error.message));
  // The message may name internals (a table, a queue); it goes to the log, not to the browser.
  (logger ?? jsonLogger).error('longhaul/http request failed', {
    error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    code: (error as { code?: unknown } | null)?.code,
  });
  return json(500, problem('internal', 'The request could not be handled; see the server log'));
}

export function problem(code: string, message: string): HttpErrorBody {
  return { error: { code, message } };
}
