/**
 * Longhaul: a typed job queue on SQS and DynamoDB.
 *
 * - Define tasks with {@link defineTask}; enqueue and read jobs with {@link Longhaul}.
 * - Run them with {@link createWorker} (long-running) on a backend from `longhaul/aws` or `longhaul/memory`.
 */

export {
  PriorityTransport,
  type PriorityTransportOptions,
  type PriorityWeights,
  priorityDefaults,
} from './adapters/priority-transport.js';
export {
  type DeadLetter,
  type EnqueueOptions,
  type JobHandle,
  Longhaul,
  type LonghaulOptions,
  type PurgeOptions,
  type QueueStats,
  type RedriveOptions,
  type RedriveResult,
  type Tracking,
  type WaitOptions,
} from './client.js';
export {
  type DelayOptions,
  type DelayPlan,
  maxDelaySeconds,
  maxQueueDelaySeconds,
  planDelay,
} from './core/delay.js';
export { decodeEnvelope, type Envelope, encodeEnvelope, envelopeVersion } from './core/envelope.js';
export {
  ConfigError,
  EnqueueError,
  ErrorCode,
  InvalidArgsError,
  InvalidResultError,
  InvocationDeadlineError,
  JobConflictError,
  JobFailedError,
  JobNotFoundError,
  LockLostError,
  LonghaulError,
  type LonghaulErrorOptions,
  MalformedMessageError,
  PayloadTooLargeError,
  ResultTooLargeError,
  ScheduleOverlapError,
  type SerializedError,
  serializeError,
  TaskTimeoutError,
  UnknownTaskError,
  UnrecoverableError,
  type ValidationIssue,
  WaitTimeoutError,
  WorkerLostError,
  WorkerShutdownError,
} from './core/errors.js';
export {
  isFinalStatus,
  type JobEvent,
  type JobLogLine,
  type JobPage,
  type JobProgress,
  type JobQuery,
  type JobRecord,
  JobStatus,
  jobStatuses,
  LogLevel,
} from './core/job.js';
export { limits } from './core/limits.js';
export { isPriority, Priority, priorities } from './core/priority.js';
export { backoffDelaySeconds, type RetryPolicy, retryDefaults } from './core/retry.js';
export {
  checkSchedules,
  defineSchedule,
  OverlapPolicy,
  type Schedule,
  type ScheduleOptions,
  type ScheduleRef,
  scheduledEnvelope,
  scheduledJobId,
} from './core/schedule.js';
export {
  type AnyTask,
  type ArgsSchema,
  defineTask,
  type Task,
  type TaskArgs,
  type TaskContext,
  type TaskOptions,
  TaskRegistry,
  type TaskResult,
} from './core/task.js';
export type {
  Backend,
  ClaimRequest,
  ClaimResult,
  Completion,
  DeadLetterReason,
  DelayScheduler,
  Fence,
  JobStore,
  JobTouch,
  OutgoingMessage,
  QueueDepth,
  QueueMessage,
  ReceiveRequest,
  RejectRequest,
  RequestCounts,
  ScheduleHold,
  Transport,
} from './ports.js';
export { dynamoWriteOperations, RequestCounter, totalRequests } from './request-counter.js';
export { type Disposition, JobRunner, type JobRunnerOptions } from './runtime/job-runner.js';
export { jsonLogger, type Logger, silentLogger } from './runtime/logger.js';
export {
  checkCronExpressions,
  type ScheduledRun,
  Scheduler,
  type SchedulerOptions,
  startScheduler,
} from './runtime/scheduler.js';
export { UntrackedJobStore } from './runtime/untracked-job-store.js';
export { createWorker, Worker, type WorkerStats } from './runtime/worker.js';
export { workerOptionsFromEnv } from './runtime/worker-env.js';
export { type WorkerOptions, type WorkerTracking, workerDefaults } from './runtime/worker-options.js';
