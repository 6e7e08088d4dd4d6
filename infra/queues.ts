/**
 * The job queues of a `LonghaulQueue`: the dead-letter queue, the job queue (`normal`), and with
 * `priorities` the `high` and `low` ones beside it. Every queue is encrypted (SQS-managed SSE, or the
 * `encryptionKey`) and refuses plain HTTP.
 */
import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { createPriorityQueues, type PriorityQueues } from './delays-and-priorities.js';
import { queueEncryption } from './encryption-key.js';

/** The queues of one construct. */
export interface JobQueues {
  /** The job queue (`normal` with priorities). */
  readonly queue: sqs.Queue;
  /** Where failed jobs' messages go; shared by every job queue. */
  readonly deadLetterQueue: sqs.Queue;
  /** The `high` and `low` queues, with `priorities`. */
  readonly priorityQueues: PriorityQueues | undefined;
}

/** Creates the dead-letter queue, then the job queue, then (with `priorities`) the priority queues. */
export function createJobQueues(
  scope: Construct,
  options: {
    readonly prefix: string | undefined;
    readonly visibilityTimeout: Duration;
    readonly retentionPeriod: Duration;
    readonly maxReceiveCount: number;
    readonly priorities: boolean;
    readonly encryptionKey: kms.IKey | undefined;
  },
): JobQueues {
  const { prefix } = options;
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    ...(prefix ? { queueName: `${prefix}-jobs-dlq` } : {}),
    ...queueEncryption(options.encryptionKey),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const queue = new sqs.Queue(scope, 'Queue', {
    ...(prefix ? { queueName: `${prefix}-jobs` } : {}),
    ...queueEncryption(options.encryptionKey),
    enforceSSL: true,
    visibilityTimeout: options.visibilityTimeout,
    retentionPeriod: options.retentionPeriod,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: options.maxReceiveCount },
  });
  const priorityQueues = options.priorities
    ? createPriorityQueues(scope, {
        prefix,
        visibilityTimeout: options.visibilityTimeout,
        retentionPeriod: options.retentionPeriod,
        deadLetterQueue,
        maxReceiveCount: options.maxReceiveCount,
        encryptionKey: options.encryptionKey,
      })
    : undefined;
  return { queue, deadLetterQueue, priorityQueues };
}

/** The queues jobs wait in, highest priority first: the queue, and the `high` and `low` ones with priorities. */
export function workQueues(queues: JobQueues): sqs.Queue[] {
  const { queue, priorityQueues } = queues;
  return priorityQueues ? [priorityQueues.high, queue, priorityQueues.low] : [queue];
}
