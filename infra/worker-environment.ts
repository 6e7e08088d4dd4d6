/**
 * The environment of a Longhaul worker: the variables `createWorkerFromEnv` and the Lambda handler read
 * (names from src/core/names.ts), set by the construct on its own workers and exposed as
 * `workerEnvironment` for workers run elsewhere.
 */
import type { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { env } from '../src/core/names.js';
import type { Retention } from '../src/core/retention.js';
import { type DelayScheduling, delayAndPriorityEnvironment } from './delays-and-priorities.js';
import { payloadAndRetentionEnvironment } from './payload-bucket.js';
import type { JobQueues } from './queues.js';

/** The variables, as CloudFormation tokens where they name resources. */
export function workerEnvironment(options: {
  readonly queues: JobQueues;
  readonly table: dynamodb.Table;
  readonly visibilityTimeout: Duration;
  readonly maxReceiveCount: number;
  readonly eventBus: events.IEventBus | undefined;
  readonly payloadBucket: s3.Bucket | undefined;
  readonly retention: Partial<Retention> | undefined;
  readonly delayScheduling: DelayScheduling | undefined;
  /** The job metrics' namespace, or undefined when they are off. */
  readonly metricsNamespace: string | undefined;
}): Record<string, string> {
  const { queue, deadLetterQueue, priorityQueues } = options.queues;
  return {
    [env.queueUrl]: queue.queueUrl,
    [env.deadLetterQueueUrl]: deadLetterQueue.queueUrl,
    [env.tableName]: options.table.tableName,
    [env.visibilityTimeoutSeconds]: String(options.visibilityTimeout.toSeconds()),
    [env.deliveryLimit]: String(options.maxReceiveCount),
    ...(options.eventBus ? { [env.eventBusName]: options.eventBus.eventBusName } : {}),
    ...payloadAndRetentionEnvironment(options.payloadBucket, options.retention),
    ...delayAndPriorityEnvironment(options.delayScheduling, queue, priorityQueues),
    ...(options.metricsNamespace === undefined
      ? { [env.metrics]: 'off' }
      : { [env.metrics]: 'on', [env.metricsNamespace]: options.metricsNamespace }),
  };
}
