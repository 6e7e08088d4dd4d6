import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, InvocationDeadlineError } from '../core/errors.js';
import type { JobHooks } from '../core/hooks.js';
import { jsonLogger, type Logger } from '../core/logger.js';
import type { QueueMessage, WorkerBackend } from '../core/ports.js';
import { PriorityTransport } from '../core/priority-transport.js';
import { type RetentionOptions, resolveRetention } from '../core/retention.js';
import type { AnyTask } from '../core/task.js';
import { TaskRegistry } from '../core/task.js';
import { traceCarrierOf, traceMessageAttributes } from '../core/trace-context.js';
import { type Disposition, JobRunner } from './job-runner.js';
import { type MetricsOptions, queueNameFromArn, resolveMetrics } from './metrics-options.js';
import { sharedAbortController } from './shared-abort.js';
import { checkLimitsTracked } from './task-limiter.js';
import { UntrackedJobStore } from './untracked-job-store.js';
import type { WorkerTracking } from './worker-options.js';

/** The parts of an SQS event record the handler reads (a subset of `aws-lambda`'s `SQSRecord`). */
export interface SqsEventRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: {
    readonly ApproximateReceiveCount: string;
    readonly SentTimestamp: string;
    /** The X-Ray trace header SQS keeps for a message sent from a traced request, when there is one. */
    readonly AWSTraceHeader?: string;
  };
  /** The message attributes; Longhaul reads `traceparent` and `tracestate` (the job's trace context). */
  readonly messageAttributes?: Readonly<Record<string, { readonly stringValue?: string | undefined }>>;
  /** The queue the record came from; with priority queues, its acknowledgement goes back there. */
  readonly eventSourceARN?: string;
}

/** The parts of an SQS event the handler reads. */
export interface SqsEvent {
  readonly Records: readonly SqsEventRecord[];
}

/** The parts of the Lambda context the handler reads. */
export interface LambdaContextLike {
  readonly functionName: string;
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** The partial batch response: the records Lambda must leave in the queue (ReportBatchItemFailures). */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** What `createLambdaHandler` takes. Every field but `tasks` and `backend` has a default. */
export interface LambdaHandlerOptions {
  /** The tasks this function runs. A message for any other task fails its job with `unknown_task`. */
  readonly tasks: readonly AnyTask[];
  /**
   * The queue and job store; created once per container, outside the handler. Pass a function to create
   * it on first use (e.g. `() => awsBackendFromEnv()`), so importing the module stays cheap. Any
   * `Backend` will do; the handler needs no more of its store than a `WorkerJobStore`.
   */
  readonly backend: WorkerBackend | (() => WorkerBackend);
  /**
   * The event source queue's visibility timeout, which sets each job's lease. The construct passes it as
   * `LONGHAUL_VISIBILITY_TIMEOUT_SECONDS`. Default 30 (the SQS default).
   */
  readonly visibilityTimeoutSeconds?: number;
  /** The queue's `maxReceiveCount`. Default: read once from the queue's redrive policy. */
  readonly deliveryLimit?: number;
  /** Records of a batch run at once. Default: the whole batch. */
  readonly concurrency?: number;
  /**
   * Time kept back before the invocation's own timeout: running attempts are stopped (and their messages
   * handed back) this long before it, and no record starts with less left. Default 5 000, at most a fifth
   * of the time the invocation started with.
   */
  readonly deadlineMarginMs?: number;
  /** Minimum interval between progress/log writes of one job. Default 1 000. */
  readonly progressIntervalMs?: number;
  /**
   * Where job events and warnings go, one structured line each (as the worker's `logger`). Default: JSON
   * lines, info on stdout, warnings and errors on stderr (CloudWatch Logs).
   */
  readonly logger?: Logger;
  /**
   * Job metrics per queue and task in CloudWatch Embedded Metric Format, written to stdout at the end of
   * each invocation (`flushIntervalMs` does not apply). `false` turns them off. Default: on, namespace
   * `Longhaul`, the queue named after the event source. See docs/observability.md.
   */
  readonly metrics?: MetricsOptions | false;
  /** `full` (default) or `off`: no job records, no DynamoDB requests (see the worker's `tracking`). */
  readonly tracking?: WorkerTracking;
  /** Hooks called for every task after the task's own, as the worker's `hooks`. Default: none. */
  readonly hooks?: JobHooks;
  /** How long finished jobs are kept (see the worker's `retention`). Defaults: `retentionDefaults`. */
  readonly retention?: RetentionOptions;
}

/** A Lambda handler for an SQS event source with `ReportBatchItemFailures` enabled. */
export type LonghaulLambdaHandler = (
  event: SqsEvent,
  context: LambdaContextLike,
) => Promise<SqsBatchResponse>;

/**
 * Creates the handler of a Lambda worker: each record of the batch goes through the same `JobRunner`
 * as the long-running worker. Records whose job finished (or whose message was dead-lettered) are left
 * for Lambda to delete; records to run again are returned in `batchItemFailures`, already hidden for
 * their retry backoff. Attempts the invocation cannot finish before its timeout are stopped shortly
 * before it and handed back, counted as failed attempts with an `invocation_deadline` error (not as
 * interruptions, as a stopping worker's are: Lambda never stops a running invocation for a deploy, so a
 * deadline means the task does not fit the function's timeout, and it must end `failed`).
 *
 * Works as a plain handler and wrapped in middy (`middy().handler(handler)`).
 *
 * @example
 * // functions/lambda.ts
 * import { awsBackendFromEnv } from 'longhaul/aws';
 * import { createLambdaHandler } from 'longhaul/lambda';
 * export const handler = createLambdaHandler({ tasks, backend: () => awsBackendFromEnv() });
 */
export function createLambdaHandler(options: LambdaHandlerOptions): LonghaulLambdaHandler {
  const registry = new TaskRegistry(options.tasks);
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
  const concurrency = options.concurrency ?? Number.POSITIVE_INFINITY;
  const marginMs = options.deadlineMarginMs ?? 5_000;
  const logger = options.logger ?? jsonLogger;
  checkOptions(visibilityTimeoutSeconds, concurrency, marginMs, options);
  checkLimitsTracked(options.tasks, options.tracking);
  const retention = resolveRetention(options.retention);
  const metrics = resolveMetrics(options.metrics);
  let backend: WorkerBackend | undefined;
  const untracked = new UntrackedJobStore();
  let deliveryLimit: Promise<number | undefined> | undefined;

  return async (event, context) => {
    const margin = Math.min(marginMs, Math.floor(context.getRemainingTimeInMillis() / 5));
    backend ??= typeof options.backend === 'function' ? options.backend() : options.backend;
    const { transport } = backend;
    const store = options.tracking === 'off' ? untracked : backend.store;
    if (deliveryLimit === undefined) {
      deliveryLimit =
        options.deliveryLimit !== undefined
          ? Promise.resolve(options.deliveryLimit)
          : transport.deliveryLimit();
      // A failed read is retried by the next invocation rather than remembered.
      deliveryLimit.catch(() => {
        deliveryLimit = undefined;
      });
    }
    const limit = await deliveryLimit;
    const runner = new JobRunner({
      registry,
      store,
      transport,
      workerId: `lambda:${context.functionName}:${context.awsRequestId}`,
      visibilityTimeoutSeconds,
      // A heartbeat only matters when the queue hides messages for less than the function may run.
      heartbeatIntervalSeconds: Math.max(1, Math.floor(visibilityTimeoutSeconds / 2)),
      progressIntervalMs: options.progressIntervalMs ?? 1_000,
      logger,
      ...(limit !== undefined ? { deliveryLimit: limit } : {}),
      ...(backend.workflows && options.tracking !== 'off' ? { workflows: backend.workflows } : {}),
      ...(backend.events ? { events: backend.events } : {}),
      ...(options.hooks ? { hooks: options.hooks } : {}),
      // An aborted attempt waits for its task at most half the margin: the rest records its end in time.
      maxAbortGraceMs: Math.floor(margin / 2),
      ...(backend.payloads ? { payloads: backend.payloads } : {}),
      retention,
      ...(metrics ? { metrics: metrics.metrics } : {}),
      queueName: metrics?.queueName ?? queueNameFromArn(event.Records[0]?.eventSourceARN) ?? 'default',
    });
    const deadline = sharedAbortController();
    const untilDeadline = Math.max(0, context.getRemainingTimeInMillis() - margin);
    const timer = sleep(untilDeadline, undefined, { ref: false, signal: deadline.signal }).then(
      () => deadline.abort(new InvocationDeadlineError(context.getRemainingTimeInMillis())),
      () => undefined,
    );

    const failures: { itemIdentifier: string }[] = [];
    const handOver = async (record: SqsEventRecord): Promise<void> => {
      const message = toQueueMessage(record);
      if (record.eventSourceARN && transport instanceof PriorityTransport) {
        transport.adopt(message, record.eventSourceARN);
      }
      if (deadline.signal.aborted || context.getRemainingTimeInMillis() <= margin) {
        // Too little time left to start it: hand it straight back, no attempt spent.
        await transport.changeVisibility(message, 0).catch(() => false);
        failures.push({ itemIdentifier: record.messageId });
        return;
      }
      let disposition: Disposition;
      try {
        disposition = await runner.process(message, deadline.signal);
      } catch (error) {
        logger.error('job processing failed; the message will be delivered again', {
          messageId: record.messageId,
          error: String(error),
        });
        failures.push({ itemIdentifier: record.messageId });
        return;
      }
      // `ack` and `deadLettered` are done with: Lambda deletes the message (dead-lettering already did).
      // `release` is already hidden for its backoff; `abandon` belongs to a later delivery. Neither may be
      // deleted by this invocation.
      if (disposition.kind === 'release' || disposition.kind === 'abandon') {
        failures.push({ itemIdentifier: record.messageId });
      }
    };

    try {
      const queue = [...event.Records];
      const lanes = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let record = queue.shift(); record; record = queue.shift()) await handOver(record);
      });
      await Promise.all(lanes);
    } finally {
      deadline.abort();
      await timer;
      // One set of lines per invocation: Lambda may freeze the container right after it returns.
      metrics?.metrics.flush();
    }
    return { batchItemFailures: failures };
  };
}

function toQueueMessage(record: SqsEventRecord): QueueMessage {
  const trace = traceCarrierOf(
    record.messageAttributes?.[traceMessageAttributes.traceparent]?.stringValue,
    record.messageAttributes?.[traceMessageAttributes.tracestate]?.stringValue,
  );
  const awsTraceHeader = record.attributes.AWSTraceHeader;
  return {
    messageId: record.messageId,
    body: record.body,
    receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
    sentAt: Number(record.attributes.SentTimestamp) || Date.now(),
    receipt: record.receiptHandle,
    ...(trace ? { trace } : {}),
    ...(awsTraceHeader ? { awsTraceHeader } : {}),
  };
}

function checkOptions(
  visibilityTimeoutSeconds: number,
  concurrency: number,
  marginMs: number,
  options: LambdaHandlerOptions,
): void {
  const problems: string[] = [];
  if (
    !Number.isInteger(visibilityTimeoutSeconds) ||
    visibilityTimeoutSeconds < 1 ||
    visibilityTimeoutSeconds > 43_200
  ) {
    problems.push(
      `\`visibilityTimeoutSeconds\` to be an integer from 1 to 43200, got \`${visibilityTimeoutSeconds}\``,
    );
  }
  if (concurrency !== Number.POSITIVE_INFINITY && (!Number.isInteger(concurrency) || concurrency < 1)) {
    problems.push(`\`concurrency\` to be a positive integer, got \`${concurrency}\``);
  }
  if (!Number.isInteger(marginMs) || marginMs < 0 || marginMs > 60_000) {
    problems.push(`\`deadlineMarginMs\` to be an integer from 0 to 60000, got \`${marginMs}\``);
  }
  if (
    options.deliveryLimit !== undefined &&
    (!Number.isInteger(options.deliveryLimit) || options.deliveryLimit < 1)
  ) {
    problems.push(`\`deliveryLimit\` to be a positive integer, got \`${options.deliveryLimit}\``);
  }
  if (!Array.isArray(options.tasks) || options.tasks.length === 0)
    problems.push('`tasks` to hold at least one task');
  if (!options.backend) problems.push('`backend` to be a backend or a function that creates one');
  if (problems.length)
    throw new ConfigError(`Invalid Lambda handler options: expected ${problems.join('; ')}`);
}
