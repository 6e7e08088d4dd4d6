/**
 * The two small interfaces the core needs from a backend. The AWS adapters (SQS, DynamoDB) and the
 * in-process memory adapters implement them with the same semantics; `test/contract` holds both to it.
 */
import type { Envelope } from './envelope.js';
import type { SerializedError } from './errors.js';
import type { HandoffDelivery, JobHandoff } from './handoff.js';
import type {
  JobCounts,
  JobLimited,
  JobLogLine,
  JobPage,
  JobProgress,
  JobQuery,
  JobRecord,
  JobStatus,
} from './job.js';
import type { PayloadLimits, PayloadRef } from './payload.js';
import type { TraceCarrier } from './trace-context.js';
import type { WorkflowRecord } from './workflow.js';

// ---------------------------------------------------------------------------------------------------
// Transport: a queue with a visibility timeout as its lock, receive counts and a dead-letter queue.

export interface OutgoingMessage {
  readonly body: string;
  /** Hide the message for this long after sending, 0–900 s. */
  readonly delaySeconds?: number;
  /** The job's trace context, sent as the `traceparent`/`tracestate` message attributes. */
  readonly trace?: TraceCarrier;
}

/** One delivery of a message. A later delivery of the same message has a new `receipt`. */
export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
  /** 1 on the first delivery. */
  readonly receiveCount: number;
  /** Epoch milliseconds. */
  readonly sentAt: number;
  /** Opaque handle of this delivery (an SQS receipt handle). */
  readonly receipt: string;
  /** The trace context the message was sent with, when it carried a valid one. */
  readonly trace?: TraceCarrier;
  /** SQS's `AWSTraceHeader` system attribute (an X-Ray trace header), when the message has one. */
  readonly awsTraceHeader?: string;
}

/** What one receive asks the queue for. */
export interface ReceiveRequest {
  /** 1–10. */
  readonly maxMessages: number;
  /** Long-poll wait, 0–20 s. */
  readonly waitTimeSeconds: number;
  /** How long the received messages stay hidden (locked) unless extended. */
  readonly visibilityTimeoutSeconds: number;
}

/** Why a message was moved to the dead-letter queue, carried with it as message attributes. */
export interface DeadLetterReason {
  readonly code: string;
  readonly message: string;
  readonly jobId?: string;
}

/** Approximate message counts, as SQS reports them. */
export interface QueueDepth {
  readonly available: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly deadLettered: number;
}

/** A message in the dead-letter queue, as an operator sees it. */
export interface DeadLetterMessage {
  readonly messageId: string;
  readonly body: string;
  /** Epoch milliseconds when it was sent to the dead-letter queue. */
  readonly sentAt: number;
  /** Why it was moved, when Longhaul moved it (absent when SQS's redrive policy did). */
  readonly reason?: DeadLetterReason;
  /** Opaque handle of this receive, for `redrive` and `discardDeadLetter`. */
  readonly receipt: string;
}

/** The queue, as the core needs it. Implemented by `SqsTransport` and `MemoryTransport`. */
export interface Transport {
  /** The queue's name, for telemetry (`messaging.destination.name`); absent when it has none. */
  readonly queueName?: string;
  /**
   * True when each receive picks which of several queues to serve (priority queues): a worker then
   * receives for its free slots only, so the pick is made when a slot is free, not for messages that
   * would wait in the worker behind others.
   */
  readonly picksPerReceive?: boolean;
  /** Sends messages, in batches of up to 10. */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  /**
   * Receives up to `maxMessages`, waiting up to `waitTimeSeconds`. When `signal` aborts, resolves early
   * with [] where that loses nothing (the in-process queue); SQS answers an abandoned long poll anyway,
   * so the SQS transport waits for its answer and the caller hands back what it brings.
   */
  receive(request: ReceiveRequest, signal?: AbortSignal): Promise<QueueMessage[]>;
  /**
   * Hides the message for `seconds` from now (0 hands it back at once). Resolves false when this delivery
   * no longer holds the message: its visibility lapsed and it was received again, or it was deleted.
   */
  changeVisibility(message: QueueMessage, seconds: number): Promise<boolean>;
  /** Deletes messages, in batches of up to 10. Deliveries that no longer hold their message are skipped. */
  delete(messages: readonly QueueMessage[]): Promise<void>;
  /** Moves a message to the dead-letter queue with its reason, then deletes it from the queue. */
  deadLetter(message: QueueMessage, reason: DeadLetterReason): Promise<void>;
  depth(): Promise<QueueDepth>;
  /**
   * Receives after which the queue itself moves a message to its dead-letter queue (an SQS redrive
   * policy's `maxReceiveCount`), or undefined when it has no such policy.
   */
  deliveryLimit(): Promise<number | undefined>;
  /**
   * Receives up to `max` (1–10) messages from the dead-letter queue, hiding them for `hideSeconds`
   * (0 to only look: they stay available to the next receive).
   */
  receiveDeadLetters(max: number, hideSeconds: number): Promise<DeadLetterMessage[]>;
  /** Sends a dead letter's body back to the queue, then deletes it from the dead-letter queue. */
  redrive(message: DeadLetterMessage): Promise<void>;
  /** Deletes a dead letter for good. */
  discardDeadLetter(message: DeadLetterMessage): Promise<void>;
  /** Makes a received dead letter visible again at once (one an operator looked at and left). */
  releaseDeadLetter(message: DeadLetterMessage): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Job store: job records whose every status change is a conditional write.

/** Who may write to a running job: the claim that started the attempt, and no other. */
export interface Fence {
  readonly attempt: number;
  readonly workerId: string;
  /** Unique to one claim: attempt numbers repeat after a `requeue`, tokens never do. */
  readonly token: string;
}

/** What a worker presents to start an attempt of the job in `envelope`. */
export interface ClaimRequest {
  readonly envelope: Envelope;
  readonly maxAttempts: number;
  readonly workerId: string;
  /** A fresh random token for this claim; later writes of the attempt must present it. */
  readonly token: string;
  readonly now: number;
  readonly leaseExpiresAt: number;
  /** The delivery's receive count. A store that keeps no records numbers attempts by it. */
  readonly deliveryCount?: number;
  /** When the message was sent (epoch ms, the queue's clock): how young it is decides the first write. */
  readonly sentAt?: number;
  /**
   * The trace context the message carries. A record the claim creates keeps it, as the producer's record
   * would have, so a message sent again without it still joins the job to its origin.
   */
  readonly trace?: TraceCarrier;
  /**
   * False when a missing record must not be created from the envelope (its producer may still write it:
   * see `src/core/pending-record.ts`); the claim then throws `JobNotFoundError`. Default true.
   */
  readonly createMissing?: boolean;
  /**
   * The caller only reads the record in the answer and never changes it (the runner): a store that keeps
   * its records in memory may then answer with the record it holds rather than a copy. Default false: a
   * record the caller may change. A store that builds every answer anew (DynamoDB) ignores it.
   */
  readonly readOnly?: boolean;
}

/** Either the job after the write, or the job as it stood when the condition failed. */
export type ClaimResult =
  | { readonly claimed: true; readonly job: JobRecord }
  | { readonly claimed: false; readonly job: JobRecord };

/** An update while the attempt runs: renews the lease and flushes progress and logs. */
export interface JobTouch {
  readonly at: number;
  readonly leaseExpiresAt?: number;
  readonly progress?: JobProgress;
  readonly logs?: readonly JobLogLine[];
  /** Starts (or, with `null`, ends) a move of the job to a fresh queue message. */
  readonly handoff?: JobHandoff | null;
}

/** What every attempt's end writes: when, and the progress and log lines not yet written. */
interface CompletionBase {
  readonly at: number;
  readonly logs: readonly JobLogLine[];
  readonly progress?: JobProgress;
  /** For a final status: epoch ms after which the record counts as deleted (its retention). */
  readonly expiresAt?: number;
  /**
   * A stopping worker handed the attempt back: it adds one to `interruptions` and its history event is
   * marked `interrupted`. A `retrying` end also gives the attempt back (`attempts` goes down by one, so
   * the next claim starts the same attempt number again and the retry budget is untouched).
   */
  readonly interrupted?: boolean;
}

/** How an attempt ended. */
export type Completion =
  | (CompletionBase & {
      readonly status: 'succeeded';
      readonly result: unknown;
      /** The result went to the payload store; `result` is then null. */
      readonly resultRef?: PayloadRef;
    })
  | (CompletionBase & {
      readonly status: 'retrying';
      readonly error: SerializedError;
      readonly nextAttemptAt: number;
    })
  | (CompletionBase & {
      /** `cancelled` ends an attempt that must not run, such as an overlapping scheduled run. */
      readonly status: 'failed' | 'cancelled';
      readonly error: SerializedError;
      readonly deadLettered: boolean;
    });

/** What `holdSchedule` answers: the run now holds the schedule, or which run does. */
export type ScheduleHold = { readonly held: true } | { readonly held: false; readonly holder: string };

/**
 * A schedule's last succeeded run, as the small item beside the jobs points at it (see
 * `JobStore.noteScheduleResult`). It outlives the run's job record: it is replaced, never expired.
 */
export interface ScheduleResultPointer {
  readonly schedule: string;
  readonly jobId: string;
  /** Epoch milliseconds: the firing time the run was scheduled for (its job's `enqueuedAt`). */
  readonly scheduledFor: number;
  /** Epoch milliseconds: when the run succeeded. */
  readonly finishedAt: number;
  /** The run's result; null when it was offloaded (then `resultRef` names the object). */
  readonly result: unknown;
  readonly resultRef?: PayloadRef;
}

/** Which jobs `reject` may fail: ones no attempt owns. */
export type RejectGuard =
  /**
   * Missing (the record is created, unless `createMissing` is false: then a missing record fails the
   * guard), queued or retrying.
   */
  | { readonly kind: 'unstarted'; readonly createMissing?: boolean }
  /** Running attempt `attempt` whose lease expired before `now`: its worker was lost. */
  | { readonly kind: 'lost'; readonly attempt: number; readonly now: number };

/** A failure recorded on a job that no attempt owns: bad input, a lost worker, a failed send. */
export interface RejectRequest {
  readonly id: string;
  /** Used to create the record when it is missing. */
  readonly task: string;
  readonly args?: unknown;
  readonly enqueuedAt?: number;
  readonly maxAttempts: number;
  readonly guard: RejectGuard;
  readonly error: SerializedError;
  readonly deadLettered: boolean;
  readonly at: number;
  /** The status recorded: `failed` (default), or `cancelled` for a lost attempt whose job was cancelled. */
  readonly status?: 'failed' | 'cancelled';
  /** Epoch ms after which the failed record counts as deleted (its retention). */
  readonly expiresAt?: number;
}

/** What `holdKey` asks: make job `jobId` the holder of unique key `key` of task `task`. */
export interface KeyHoldRequest {
  readonly task: string;
  readonly key: string;
  readonly jobId: string;
  /** Epoch milliseconds: when the hold is taken. */
  readonly at: number;
  /** Epoch milliseconds: the new holder blocks the key at least until then, even once finished. */
  readonly until: number;
  /** A holder the caller found finished and past its `until`, or recordless past the enqueue grace. */
  readonly replacing?: string;
}

/** What `holdKey` answers: the job now holds the key, or which job does, since when and until when. */
export type KeyHold =
  | { readonly held: true }
  | { readonly held: false; readonly holder: string; readonly heldAt: number; readonly until: number };

/** One attempt asking for a slot of a concurrency limit. */
export interface SlotRequest {
  /** The limit's name: the task's, or `<task>#<key>`. */
  readonly limit: string;
  /** Unique to the attempt asking; renewing and releasing present it. */
  readonly token: string;
  readonly max: number;
  /** Epoch milliseconds: the slot frees itself then unless renewed (its holder crashed). */
  readonly leaseExpiresAt: number;
}

/** What `acquireSlot` answers: a slot, or every current holder (so expired ones can be released). */
export type SlotGrant =
  | { readonly acquired: true }
  | {
      readonly acquired: false;
      readonly holders: readonly { readonly token: string; readonly leaseExpiresAt: number }[];
    };

/** One start counted against a rate limit's fixed window. */
export interface RateRequest {
  readonly limit: string;
  /** The window's number: `floor(now / perMs)`. */
  readonly window: number;
  readonly max: number;
  /** Epoch milliseconds after which the window's counter may be deleted. */
  readonly expiresAt: number;
}

/** What `noteLimited` answers: noted on the queued job, or the job as it stood (undefined: no record). */
export type LimitedNote = { readonly noted: true } | { readonly noted: false; readonly job?: JobRecord };

/** What `putNew` wrote, and why it stopped early (an abort, or a request that failed). */
export interface NewJobsPut {
  readonly written: readonly string[];
  readonly error?: unknown;
}

/**
 * Job records, as a worker needs them: creating, claiming and finishing jobs, and the items beside them
 * (schedule holds, unique keys, limits). What a worker (the long-running one, the Lambda handler) runs on;
 * a Lambda function built from the construct's environment gets a store with no more than this, so its
 * bundle carries none of the operator side (see {@link JobStore}).
 */
export interface WorkerJobStore {
  /** Writes a new job. Throws `JobConflictError` when the id exists. */
  create(job: JobRecord): Promise<void>;
  /**
   * Writes the records of new jobs WITHOUT a condition (DynamoDB `BatchWriteItem`, 25 per request, several
   * in flight, unprocessed items retried with back-off): an existing record is replaced. Only for jobs
   * with fresh random ids whose messages carry `pendingRecord` and were sent, so no worker creates these
   * records meanwhile (see `src/core/pending-record.ts`). Stops when `signal` aborts or a request fails;
   * never rejects: resolves with the ids written, and with why it stopped if any were not (or are not
   * known to be).
   */
  putNew(jobs: readonly JobRecord[], signal: AbortSignal): Promise<NewJobsPut>;
  get(id: string): Promise<JobRecord | undefined>;
  /**
   * Starts attempt `attempts + 1` if the job is missing (created from the envelope), queued or retrying.
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /**
   * Starts a new attempt of a job seen as `lost`: still running attempt `lost.attempts`, whose lease
   * expired before `request.now`. Records that attempt as lost to its worker.
   */
  takeOver(request: ClaimRequest, lost: Pick<JobRecord, 'attempts' | 'workerId'>): Promise<ClaimResult>;
  /**
   * Throws `LockLostError` unless the job is running under `fence`. Resolves with the job after the write,
   * so the heartbeat sees a cancel request or a delivery left for it at no extra request.
   */
  touch(id: string, fence: Fence, touch: JobTouch): Promise<JobRecord>;
  /**
   * Ends the attempt under `fence`. Throws `LockLostError` if the fence no longer holds, and
   * `JobCancelledError` for a `retrying` end of a job whose cancel was requested (it must end cancelled).
   * `known` is the record as the attempt's worker last saw it (its claim's or last heartbeat's answer):
   * a store may then resolve with `known` and the completion applied (`completedRecord`) instead of
   * reading the item back, so what others wrote meanwhile (a cancel request) may be missing from it.
   * `readOnly`: the caller never changes the record it gets back, as with `ClaimRequest.readOnly`.
   */
  complete(
    id: string,
    fence: Fence,
    completion: Completion,
    known?: JobRecord,
    readOnly?: boolean,
  ): Promise<JobRecord>;
  /** Fails a job that no attempt owns. Resolves false when the guard did not hold. */
  reject(request: RejectRequest): Promise<boolean>;
  /**
   * Deletes the jobs among `ids` that are in a final status (one conditional delete each, so a job
   * retried meanwhile is kept). Resolves with the ids deleted.
   */
  remove(ids: readonly string[]): Promise<string[]>;
  /**
   * Makes job `jobId` the run holding schedule `schedule` (for the `skip` overlap policy), in one
   * conditional write: it succeeds when no run holds it, `jobId` already does, or `replacing` does (a
   * run the caller found finished). Otherwise resolves with the current holder.
   */
  holdSchedule(schedule: string, jobId: string, replacing?: string): Promise<ScheduleHold>;
  /**
   * Records `pointer` as its schedule's last succeeded run, in one conditional write that succeeds unless
   * the pointer already names a run scheduled later, or the same firing time finished later. So a run
   * that finishes late cannot hide a newer one, and a redelivery writes the same pointer again. Resolves
   * whether it wrote.
   */
  noteScheduleResult(pointer: ScheduleResultPointer): Promise<boolean>;
  /** The schedule's last succeeded run, if one was recorded: one eventually consistent read. */
  latestScheduleResult(schedule: string): Promise<ScheduleResultPointer | undefined>;
  /**
   * Leaves `delivery` on a running job that has a move to a fresh message under way, for its owner to
   * adopt at its next heartbeat. Resolves false when the job is not running with a move under way.
   */
  registerHandoff(id: string, delivery: HandoffDelivery): Promise<boolean>;

  // Unique keys and limits: items beside the jobs, never in an index (see docs/unique-jobs-and-limits.md).

  /**
   * Makes job `jobId` the holder of a unique key, in one conditional write: it succeeds when nobody holds
   * the key, `jobId` already does, or `replacing` does. Otherwise resolves with the current holder.
   */
  holdKey(request: KeyHoldRequest): Promise<KeyHold>;
  /** Takes a slot when fewer than `max` are held (one conditional write); else lists the holders. */
  acquireSlot(request: SlotRequest): Promise<SlotGrant>;
  /** Extends a held slot's lease. Resolves false when the slot is no longer held. */
  renewSlot(limit: string, token: string, leaseExpiresAt: number): Promise<boolean>;
  /**
   * Frees a slot. With `expiredBefore`, only if its lease expired before then (freeing a crashed
   * holder's slot). Resolves false when there was nothing to free.
   */
  releaseSlot(limit: string, token: string, expiredBefore?: number): Promise<boolean>;
  /** Counts one start in a rate limit's window unless it already has `max`; resolves whether it did. */
  takeRateStart(request: RateRequest): Promise<boolean>;
  /** Records on a queued or retrying job that it waits for a limit (no history entry). */
  noteLimited(id: string, limited: JobLimited): Promise<LimitedNote>;
}

/**
 * Job records, as the core needs them: a worker's store and the operator side the client, CLI and
 * dashboard use (cancel, requeue, listings, counts). Implemented by `DynamoJobStore` and `MemoryJobStore`.
 */
export interface JobStore extends WorkerJobStore {
  /**
   * Cancels a queued or retrying job at once; on a running job, records the request (`cancelRequestedAt`)
   * for its worker to act on and resolves with the job still running. Throws `JobNotFoundError`, or
   * `JobConflictError` for a finished job.
   */
  cancel(id: string, at: number, expiresAt?: number): Promise<JobRecord>;
  /** Puts a failed or cancelled job back to queued with a fresh attempt budget. */
  requeue(id: string, at: number): Promise<JobRecord>;
  list(query: JobQuery): Promise<JobPage>;
  /** Jobs by status, overall and per task. */
  counts(): Promise<JobCounts>;
  /**
   * Recounts the jobs from their records and makes `counts()` return that from now on, for counts kept
   * apart from the records that drifted (DynamoDB's stream aggregator). Resolves with the new counts.
   */
  rebuildCounts(): Promise<JobCounts>;
  /** The job of `status` enqueued first (from the index, so a moment behind the records), if any. */
  oldest(status: JobStatus): Promise<{ readonly id: string; readonly enqueuedAt: number } | undefined>;
}

// ---------------------------------------------------------------------------------------------------
// Delay scheduler: holds a job's message past the queue's 15-minute delay limit, at no cost while waiting.

/** Sends a job's message to the queue at a later time. Implemented by EventBridge Scheduler and in memory. */
export interface DelayScheduler {
  /**
   * Arranges for `body` (the job's envelope) to be sent to the queue at `runAt` (epoch ms). Scheduling a
   * job id that is already scheduled resolves without a second schedule (an idempotent enqueue retried).
   */
  schedule(jobId: string, runAt: number, body: string): Promise<void>;
  /** Drops the job's pending send. Resolves false when there was none (already sent, or never scheduled). */
  cancel(jobId: string): Promise<boolean>;
}

/** A transport and a job store that belong together. */
export interface Backend extends WorkerBackend {
  readonly store: JobStore;
}

/** A backend as a worker needs it: its store may be a {@link WorkerJobStore}. Every `Backend` is one. */
export interface WorkerBackend {
  readonly transport: Transport;
  readonly store: WorkerJobStore;
  /** Counts of backend requests by service and operation, for cost accounting and benchmarks. */
  readonly requests: RequestCounts;
  /** Sends messages of jobs delayed past the queue's 15-minute limit. Absent: such delays are refused. */
  readonly delays?: DelayScheduler;
  /** Where arguments and results too large for a message or a record go. Absent: they are refused. */
  readonly payloads?: PayloadStore;
  /** Workflow records and group counters. Both built-in backends have one; chains and groups need it. */
  readonly workflows?: WorkflowStore;
  /** Where job state changes are published, when configured. */
  readonly events?: EventPublisher;
}

// ---------------------------------------------------------------------------------------------------
// Workflows: one record per chain or group, beside the jobs.

/** Workflow records, as the client and the runner need them. */
export interface WorkflowStore {
  /** Writes a new workflow. Resolves false when the id exists (the record is left as it was). */
  createWorkflow(record: WorkflowRecord): Promise<boolean>;
  getWorkflow(id: string): Promise<WorkflowRecord | undefined>;
  /**
   * Adds member `index` to group `id`'s set of succeeded members, in one atomic write that is a no-op
   * for a member already in it (a redelivery), and resolves with how many the set then holds.
   */
  addSucceededMember(id: string, index: number): Promise<number>;
  /**
   * Lets the record expire at `expiresAt` (epoch ms) unless it already expires later: a workflow record
   * lives as long as the last of its jobs that ended. An expired record reads as missing.
   */
  expireWorkflow(id: string, expiresAt: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Events: every status change, for other systems to react to.

/** One change of a job's status, as published. Never carries the job's arguments or result. */
export interface JobStateChange {
  readonly jobId: string;
  readonly task: string;
  readonly status: JobStatus;
  readonly previousStatus?: JobStatus;
  /** The attempt the change belongs to (0 before the first). */
  readonly attempt: number;
  readonly error?: Pick<SerializedError, 'code' | 'message'>;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly workflowId?: string;
}

/** Publishes job state changes. Implemented by `EventBridgePublisher` and `MemoryEventBus`. */
export interface EventPublisher {
  /** Publishes the changes (an adapter may batch them). Rejects when the destination refuses them. */
  publish(changes: readonly JobStateChange[]): Promise<void>;
  /**
   * False while nothing would receive a change (an in-process bus with no subscriber): publishers may
   * then skip building changes at all. Absent means always listening.
   */
  readonly listening?: boolean;
}

/** Requests made, by service (`sqs`, `dynamodb`) and operation name (`SendMessageBatch`, `UpdateItem`). */
export interface RequestCounts {
  snapshot(): Record<string, Record<string, number>>;
  reset(): void;
}

// ---------------------------------------------------------------------------------------------------
// Payload store: objects for arguments and results too large for a message or a record.

/**
 * A blob store for offloaded payloads. Implemented by `S3PayloadStore` and `MemoryPayloadStore`. The
 * references, checksums and keys are Longhaul's (see `core/payload.ts`); a store only keeps bodies.
 */
export interface PayloadStore {
  /** When arguments and results are offloaded, and the largest allowed. */
  readonly limits: PayloadLimits;
  /** Writes `body` (JSON) under `key`, replacing any object there. */
  put(key: string, body: string): Promise<void>;
  /** The body under `key`, or undefined when there is none (never written, expired, deleted). */
  get(key: string): Promise<string | undefined>;
}
