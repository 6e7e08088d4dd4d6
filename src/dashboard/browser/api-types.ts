// The shapes of the dashboard API's answers, as the page reads them. They mirror the server's types
// (src/dashboard/api.ts, the `Longhaul` client's records), which the browser build cannot import: those
// modules need Node's types. test/dashboard/assets.test.ts checks that the server's shapes fit these.

/** A job's status. */
export type JobStatus =
  | 'scheduled'
  | 'queued'
  | 'running'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'cancelled';

/** A count per status. */
export type StatusCounts = Readonly<Record<JobStatus, number>>;

/** `GET api/stats`. */
export interface QueueStats {
  readonly counts: {
    readonly byStatus: StatusCounts;
    readonly byTask: Readonly<Record<string, StatusCounts>>;
    readonly at: number;
  };
  readonly depth: {
    readonly available: number;
    readonly inFlight: number;
    readonly delayed: number;
    readonly deadLettered: number;
  };
  readonly oldestQueued?: { readonly id: string; readonly ageMs: number };
}

/** A job's progress as its task reported it. */
export interface JobProgress {
  readonly fraction: number;
  readonly message?: string;
}

/** An error's code and message, as lists show them. */
export interface ErrorSummary {
  readonly code: string;
  readonly message: string;
}

/** A row of the job list. */
export interface JobSummary {
  readonly id: string;
  readonly task: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly enqueuedAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly progress?: JobProgress | undefined;
  readonly error?: ErrorSummary;
}

/** `GET api/jobs`. */
export interface JobListPage {
  readonly jobs: readonly JobSummary[];
  readonly nextCursor?: string;
}

/** `GET api/jobs/<id>`: the whole record. */
export interface JobDetail extends JobSummary {
  readonly args: unknown;
  readonly result?: unknown;
  readonly error?: ErrorSummary & { readonly name: string; readonly stack?: string };
  readonly workerId?: string;
  readonly schedule?: string;
  readonly key?: string;
  readonly limited?: { readonly by: string; readonly limit: string; readonly until: number };
  readonly runAt?: number;
  readonly priority?: string;
  readonly nextAttemptAt?: number;
  readonly deadLettered?: boolean;
  readonly expiresAt?: number;
  readonly cancelRequestedAt?: number;
  /** Attempts cut short by a stopping worker, which do not count against `maxAttempts`. */
  readonly interruptions?: number;
  readonly history: readonly {
    readonly at: number;
    readonly status: JobStatus;
    readonly attempt: number;
    readonly workerId?: string;
    readonly error?: ErrorSummary;
  }[];
  readonly logs: readonly { readonly at: number; readonly level: string; readonly message: string }[];
}

/** A message in the dead-letter queue. */
export interface DeadLetter {
  readonly messageId: string;
  readonly jobId?: string;
  readonly task?: string;
  readonly code?: string;
  readonly message?: string;
  readonly sentAt: number;
  readonly body: string;
}

/** `GET api/dlq`. */
export interface DeadLetterList {
  readonly deadLetters: readonly DeadLetter[];
}

/** `POST api/jobs/<id>/cancel` and `.../retry`. */
export interface JobActionResult {
  readonly job: { readonly status: JobStatus };
}

/** `POST api/dlq/redrive`. */
export interface RedriveResult {
  readonly redriven: readonly string[];
  readonly left: number;
}

/** An error the API answered with (`{ error: { code, message } }`), or a read that failed. */
export interface ApiProblem {
  readonly code?: string | undefined;
  readonly message?: string | undefined;
}

/** What a view shows besides the stats: one of the reads above. */
export type ViewData = JobListPage | JobDetail | DeadLetterList;
