/**
 * The exit codes scripts can rely on, and the one place that maps every error to one of them, with the
 * message and hint an operator sees.
 */
import { ErrorCode, InvalidArgsError, LonghaulError, type ValidationIssue } from '../core/errors.js';

/** `longhaul`'s exit codes. Documented in docs/cli.md; never reuse one for another meaning. */
export const ExitCode = {
  /** The command did what was asked. */
  ok: 0,
  /** The command ran but the outcome is a failure: a waited or run job failed or was cancelled, an
   * operation did not apply to the job's status, or an unexpected error. */
  failure: 1,
  /** Usage or bad input: unknown command or flag, invalid JSON, unknown task, arguments failing the
   * task's schema, an invalid config file, the embedded backend for a command that needs a shared one. */
  usage: 2,
  /** No job (or workflow) with the given id. */
  notFound: 3,
  /** The backend is unreachable or not configured: no credentials or region, the endpoint refuses
   * connections, the queue or table is missing or not named. */
  unavailable: 4,
  /** Interrupted by Ctrl-C (SIGINT) or SIGTERM. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI raises itself, with its exit code, a stable code and a hint on how to fix it. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly code: string;
  readonly hint: string | undefined;

  constructor(exitCode: ExitCode, code: string, message: string, hint?: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code;
    this.hint = hint;
  }
}

/** What the operator sees for an error, and the exit code. */
export interface ErrorReport {
  readonly exitCode: ExitCode;
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly issues?: readonly ValidationIssue[];
}

/** Facts that make a hint precise. */
export interface ErrorContext {
  /** The endpoint the AWS clients were pointed at, if any. */
  readonly endpoint?: string | undefined;
}

const exitCodeByLonghaulCode: Readonly<Record<string, ExitCode>> = {
  [ErrorCode.config]: ExitCode.usage,
  [ErrorCode.unknownTask]: ExitCode.usage,
  [ErrorCode.invalidArgs]: ExitCode.usage,
  [ErrorCode.payloadTooLarge]: ExitCode.usage,
  [ErrorCode.invalidJobId]: ExitCode.usage,
  [ErrorCode.jobNotFound]: ExitCode.notFound,
  [ErrorCode.workflowNotFound]: ExitCode.notFound,
  [ErrorCode.jobConflict]: ExitCode.failure,
  [ErrorCode.jobFailed]: ExitCode.failure,
  [ErrorCode.waitTimeout]: ExitCode.failure,
};

const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const badCredentialNames = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
]);
const missingQueueNames = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);

/** The error and its causes, outermost first (AggregateError's members included). */
function chain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue = [error];
  while (queue.length && seen.length < 10) {
    const next = queue.shift();
    if (next === undefined || next === null || seen.includes(next)) continue;
    seen.push(next);
    if (typeof next === 'object') {
      const { cause, errors } = next as { cause?: unknown; errors?: unknown };
      if (cause !== undefined) queue.push(cause);
      if (Array.isArray(errors)) queue.push(...errors);
    }
  }
  return seen;
}

function field(error: unknown, name: 'name' | 'code' | 'message'): string {
  const value = typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : '';
  return typeof value === 'string' ? value : '';
}

/** Recognises the AWS SDK's ways of saying the backend is not there or not configured. */
function backendProblem(error: unknown, context: ErrorContext): ErrorReport | undefined {
  for (const link of chain(error)) {
    const name = field(link, 'name');
    const code = field(link, 'code');
    const message = field(link, 'message');
    if (unreachableCodes.has(code) || name === 'TimeoutError') {
      const where = context.endpoint ?? 'AWS';
      return {
        exitCode: ExitCode.unavailable,
        code: 'backend_unreachable',
        message: `Cannot reach ${where}: ${code || name}${message ? ` (${message})` : ''}`,
        hint: context.endpoint
          ? 'Is the emulator running? Start it with `npm run emulator start`, or check --endpoint / AWS_ENDPOINT_URL.'
          : 'Check your network, --region / AWS_REGION, and --endpoint / AWS_ENDPOINT_URL.',
      };
    }
    if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
      return {
        exitCode: ExitCode.unavailable,
        code: 'no_credentials',
        message: `No AWS credentials: ${message}`,
        hint: 'Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values work against the emulator).',
      };
    }
    if (/region is missing/i.test(message)) {
      return {
        exitCode: ExitCode.unavailable,
        code: 'no_region',
        message: 'No AWS region is configured',
        hint: 'Pass --region, set AWS_REGION, or add "region" to longhaul.config.json.',
      };
    }
    if (badCredentialNames.has(name)) {
      return {
        exitCode: ExitCode.unavailable,
        code: 'bad_credentials',
        message: `AWS refused the credentials: ${message || name}`,
        hint: 'Check AWS_PROFILE or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and that the session has not expired.',
      };
    }
    if (missingQueueNames.has(name) || missingQueueNames.has(code)) {
      return {
        exitCode: ExitCode.unavailable,
        code: 'queue_not_found',
        message: `The queue does not exist: ${message || name}`,
        hint: 'Check --queue-url / LONGHAUL_QUEUE_URL and --dlq-url / LONGHAUL_DLQ_URL, and the region.',
      };
    }
    if (name === 'ResourceNotFoundException') {
      return {
        exitCode: ExitCode.unavailable,
        code: 'table_not_found',
        message: `The job table does not exist: ${message || name}`,
        hint: 'Check --table / LONGHAUL_TABLE_NAME and the region.',
      };
    }
    if (name === 'AccessDenied' || name === 'AccessDeniedException') {
      return {
        exitCode: ExitCode.unavailable,
        code: 'access_denied',
        message: `AWS denied the request: ${message || name}`,
        hint: 'The role needs the permissions listed under "IAM permissions" in the README (grantOperate).',
      };
    }
  }
  return undefined;
}

/** Maps any error to what the operator sees and the exit code. The only place exit codes are chosen. */
export function reportError(error: unknown, context: ErrorContext = {}): ErrorReport {
  if (error instanceof CliError) {
    return {
      exitCode: error.exitCode,
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
    };
  }
  const backend = backendProblem(error, context);
  if (backend) return backend;
  if (error instanceof InvalidArgsError) {
    return {
      exitCode: ExitCode.usage,
      code: error.code,
      message: error.message.replace(/: .*$/s, ''),
      issues: error.issues,
    };
  }
  if (error instanceof LonghaulError) {
    return {
      exitCode: exitCodeByLonghaulCode[error.code] ?? ExitCode.failure,
      code: error.code,
      message: error.message,
    };
  }
  return {
    exitCode: ExitCode.failure,
    code: 'unexpected',
    message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

/** A validation issue's path as an operator reads it: `positions.0.ticker`, or `(root)`. */
export function issuePath(issue: ValidationIssue): string {
  return issue.path.length ? issue.path.join('.') : '(root)';
}
