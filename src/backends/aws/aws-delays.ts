/**
 * The AWS backend's delay and priority wiring, kept beside `aws.ts`: the EventBridge Scheduler options,
 * their environment variables, and the queue each priority targets.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { env } from '../../core/names.js';
import type { Priority } from '../../core/priority.js';
import type { RequestCounter } from '../../core/request-counter.js';
import { EventBridgeDelayScheduler, type ScheduleTargetQueue } from './eventbridge-delay-scheduler.js';
import { countRequests } from './request-counting.js';
import { sdkLogger } from './sdk-logger.js';

/** The `scheduler` option of `awsBackend`: delays past 15 minutes through EventBridge Scheduler. */
export interface AwsDelayOptions {
  /** The role Scheduler assumes to send to the queues (the construct's `delayRole`). */
  readonly roleArn: string;
  /** The schedule group. Default `default`; the construct creates one and passes it. */
  readonly groupName?: string;
  /** Default: a new `SchedulerClient` from the environment. */
  readonly client?: SchedulerClient;
  /** The queue's ARN (else read from SQS once); for priority queues their ARNs are always read. */
  readonly queueArn?: string;
}

type QueueOptions = {
  readonly queueUrl: string;
  readonly priorityQueueUrls?: { readonly high: string; readonly low: string };
  readonly scheduler?: AwsDelayOptions;
};

/** The queue of each priority the backend has, as schedule targets. */
export function queuesOf(
  options: QueueOptions,
): Readonly<Partial<Record<Priority, ScheduleTargetQueue>>> & { readonly normal: ScheduleTargetQueue } {
  const normal = {
    url: options.queueUrl,
    ...(options.scheduler?.queueArn ? { arn: options.scheduler.queueArn } : {}),
  };
  if (!options.priorityQueueUrls) return { normal };
  return {
    high: { url: options.priorityQueueUrls.high },
    normal,
    low: { url: options.priorityQueueUrls.low },
  };
}

/** The delay scheduler of the AWS backend, its requests counted under `scheduler`. */
export function delaySchedulerOf(
  options: AwsDelayOptions,
  sqsClient: SQSClient,
  queues: ReturnType<typeof queuesOf>,
  deadLetterQueueUrl: string,
  requests: RequestCounter,
): EventBridgeDelayScheduler {
  const client = options.client ?? new SchedulerClient({ logger: sdkLogger });
  countRequests(client, 'scheduler', requests);
  return new EventBridgeDelayScheduler({
    client,
    sqsClient,
    roleArn: options.roleArn,
    ...(options.groupName ? { groupName: options.groupName } : {}),
    queues,
    deadLetterQueue: { url: deadLetterQueueUrl },
  });
}

/** The name of a queue from its URL (or ARN): the last path segment. */
export function queueNameOf(queueUrlOrArn: string): string {
  return queueUrlOrArn.split(/[:/]/).at(-1) ?? queueUrlOrArn;
}

/**
 * The delay and priority options `awsBackendFromEnv` reads: `LONGHAUL_DELAY_ROLE_ARN` (with
 * `LONGHAUL_DELAY_SCHEDULE_GROUP` and `LONGHAUL_QUEUE_ARN`) and `LONGHAUL_QUEUE_URL_HIGH` with
 * `LONGHAUL_QUEUE_URL_LOW`. Each feature is off when its variables are unset.
 */
export function awsDelayOptionsFromEnv(environment: NodeJS.ProcessEnv): {
  scheduler?: AwsDelayOptions;
  priorityQueueUrls?: { high: string; low: string };
} {
  const roleArn = environment[env.delayRoleArn];
  const groupName = environment[env.delayScheduleGroup];
  const queueArn = environment[env.queueArn];
  const high = environment[env.queueUrlHigh];
  const low = environment[env.queueUrlLow];
  return {
    ...(roleArn
      ? { scheduler: { roleArn, ...(groupName ? { groupName } : {}), ...(queueArn ? { queueArn } : {}) } }
      : {}),
    ...(high || low ? { priorityQueueUrls: { high: high ?? '', low: low ?? '' } } : {}),
  };
}
