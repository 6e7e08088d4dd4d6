/**
 * Longhaul: a typed job queue on SQS and DynamoDB.
 *
 * - Define tasks with {@link defineTask}; enqueue and read jobs with {@link Longhaul}.
 * - Run them with {@link createWorker} (long-running) on a backend from `longhaul/aws` or `longhaul/memory`.
 */

export type {
  DeadLetter,
  EnqueueOptions,
  JobHandle,
  LatestScheduleResult,
  LonghaulOptions,
  PurgeOptions,
  QueueStats,
  RedriveOptions,
  RedriveResult,
  Tracking,
  WaitOptions,
} from './client/client-types.js';
export { Longhaul } from './client/longhaul.js';
export {
  ChainBuilder,
  type ChainHandle,
  GroupBuilder,
  type GroupHandle,
  type GroupResults,
  type Step,
  step,
  type WorkflowHandle,
  type WorkflowOptions,
} from './client/workflows.js';
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
  CountsChangedError,
  EnqueueError,
  ErrorCode,
  InvalidArgsError,
  InvalidJobIdError,
  InvalidKeyError,
  InvalidResultError,
  InvalidWorkflowError,
  InvocationDeadlineError,
  IsolateExitedError,
  JobCancelledError,
  JobConflictError,
  JobFailedError,
  type JobIdRule,
  JobNotFoundError,
  LockLostError,
  LonghaulError,
  type LonghaulErrorOptions,
  MalformedMessageError,
  PayloadTooLargeError,
  PayloadUnavailableError,
  ResultTooLargeError,
  ScheduleOverlapError,
  type SerializedError,
  serializeError,
  TaskTimeoutError,
  TooManyInterruptionsError,
  UnexpectedRecordError,
  UnknownTaskError,
  UnrecoverableError,
  type ValidationIssue,
  WaitTimeoutError,
  WorkerLostError,
  WorkerShutdownError,
  WorkflowNotFoundError,
} from './core/errors.js';
export type { HandoffDelivery, JobHandoff } from './core/handoff.js';
export type { HookInfo, JobHooks } from './core/hooks.js';
export type { JobLimited } from './core/job.js';
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
export { jsonLogger, type Logger, silentLogger } from './core/logger.js';
export {
  type PayloadLimits,
  type PayloadOptions,
  type PayloadRef,
  payloadDefaults,
} from './core/payload.js';
export { pendingRecordWaitMs, pendingRecordWriteMs } from './core/pending-record.js';
export type {
  Backend,
  ClaimRequest,
  ClaimResult,
  Completion,
  DeadLetterReason,
  DelayScheduler,
  EventPublisher,
  Fence,
  JobStateChange,
  JobStore,
  JobTouch,
  KeyHold,
  KeyHoldRequest,
  LimitedNote,
  NewJobsPut,
  OutgoingMessage,
  PayloadStore,
  QueueDepth,
  QueueMessage,
  RateRequest,
  ReceiveRequest,
  RejectRequest,
  RequestCounts,
  ScheduleHold,
  ScheduleResultPointer,
  SlotGrant,
  SlotRequest,
  Transport,
  WorkerBackend,
  WorkerJobStore,
  WorkflowStore,
} from './core/ports.js';
export { isPriority, Priority, priorities } from './core/priority.js';
export {
  PriorityTransport,
  type PriorityTransportOptions,
  type PriorityWeights,
  priorityDefaults,
} from './core/priority-transport.js';
export { dynamoWriteOperations, RequestCounter, totalRequests } from './core/request-counter.js';
export {
  type Retention,
  type RetentionOptions,
  retentionDefaults,
} from './core/retention.js';
export { backoffDelaySeconds, maxInterruptions, type RetryPolicy, retryDefaults } from './core/retry.js';
export {
  checkSchedules,
  defineSchedule,
  type Schedule,
  type ScheduleOptions,
  scheduledEnvelope,
  scheduledJobId,
} from './core/schedule.js';
export { OverlapPolicy, type ScheduleRef } from './core/schedule-ref.js';
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
  taskDefaults,
} from './core/task.js';
export {
  type RateLimit,
  type TaskLimitOptions,
  taskLimitDefaults,
  type UniqueOptions,
} from './core/task-limits.js';
export type { TraceCarrier } from './core/trace-context.js';
export {
  type WorkflowJobState,
  WorkflowKind,
  type WorkflowRecord,
  type WorkflowState,
  type WorkflowStatus,
  workflowJobId,
} from './core/workflow.js';
export type { PendingStep, WorkflowRef } from './core/workflow-ref.js';
export { JobCounter, JobTiming, type MetricsSink } from './runtime/emf-metrics.js';
export {
  type IsolateOptions,
  type Isolation,
  isolateDefaults,
  runIsolated,
  serveIsolated,
} from './runtime/isolate.js';
export { type Disposition, JobRunner, type JobRunnerOptions } from './runtime/job-runner.js';
export { type MetricsOptions, metricsDefaults, metricsFromEnv } from './runtime/metrics-options.js';
export {
  checkCronExpressions,
  type ScheduledRun,
  Scheduler,
  type SchedulerOptions,
  startScheduler,
} from './runtime/scheduler.js';
export { UntrackedJobStore } from './runtime/untracked-job-store.js';
export { createWorker, Worker, type WorkerStats } from './runtime/worker.js';
export { retentionFromEnv, workerOptionsFromEnv } from './runtime/worker-env.js';
export { type WorkerOptions, type WorkerTracking, workerDefaults } from './runtime/worker-options.js';
