/**
 * The counts aggregator: a small function on the job table's stream that keeps job counts by status and
 * task in one item, so `longhaul stats` and the dashboard read them with one GetItem.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { countsStream, env } from '../src/core/names.js';
import { queueEncryption } from './encryption-key.js';
import type { QueueGrants } from './grants.js';
import { createNodeFunction, type LogSettings } from './node-function.js';

/** The counts aggregator's function and the queue of the batches it gave up on. */
export interface CountsAggregator {
  readonly fn: nodejs.NodejsFunction;
  /**
   * Where the stream event source sends a description of each batch it skipped (its shard and sequence
   * numbers, not the records): a message here means the counts have drifted; rebuild them with
   * `longhaul stats --rebuild`, then purge the queue.
   */
  readonly failureQueue: sqs.Queue;
}

/**
 * One invocation per batch of up to `countsStream.batchSize` (2,000) stream records gathered for up to
 * `countsStream.maxBatchingWindowSeconds` (5 s), applied in one transaction (see
 * src/backends/aws/job-counts.ts), so counting costs 4 write units per batch whatever its size. A failing
 * batch is retried, split in halves, and after 10 tries skipped (the counts then drift; the jobs never
 * do) and recorded in the failure queue, which the construct alarms on. Lambda also caps a batch at its
 * 6 MB payload limit, so batches of large job items are smaller.
 */
export function createCountsAggregator(
  scope: Construct,
  options: {
    /** The job table, with its stream of new and old images. */
    readonly table: dynamodb.Table;
    readonly settings: LogSettings;
    readonly grants: QueueGrants;
    readonly prefix: string | undefined;
    /** The customer-managed key of the construct's queues, if any. */
    readonly encryptionKey: kms.IKey | undefined;
  },
): CountsAggregator {
  const { table, prefix } = options;
  const failureQueue = new sqs.Queue(scope, 'CountsFailureQueue', {
    ...(prefix ? { queueName: `${prefix}-counts-failures` } : {}),
    ...queueEncryption(options.encryptionKey),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(failureQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'The queue is itself a dead-letter destination: the counts stream event source sends the batches it gave up on here.',
  });
  // The TypeScript entry in the repository; the compiled one beside this module in the package.
  const entryTs = fileURLToPath(new URL('./counts-entry.ts', import.meta.url));
  const { fn, role } = createNodeFunction(scope, 'Counts', options.settings, {
    nameSuffix: 'counts',
    entry: existsSync(entryTs) ? entryTs : fileURLToPath(new URL('./counts-entry.js', import.meta.url)),
    handler: 'handler',
    timeout: Duration.seconds(30),
    memorySize: 256,
    description: 'Longhaul counts: keeps job counts by status and task from the table stream',
    environment: { [env.tableName]: table.tableName },
  });
  fn.addEventSource(
    // The cast: aws-cdk-lib's own types do not hold under exactOptionalPropertyTypes.
    new DynamoEventSource(table as unknown as dynamodb.ITable, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: countsStream.batchSize,
      maxBatchingWindow: Duration.seconds(countsStream.maxBatchingWindowSeconds),
      bisectBatchOnError: true,
      retryAttempts: 10,
      onFailure: failureDestination(failureQueue, options.grants),
    }),
  );
  // The event source mapping grants the stream's read actions itself; the function writes the
  // counts item and its batch markers.
  options.grants.all(role, [
    { actions: ['dynamodb:UpdateItem', 'dynamodb:PutItem'], resourceArns: [table.tableArn] },
  ]);
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'The DynamoDB stream event source grants dynamodb:ListStreams, which has no resource-level permissions; every other action names the table or its stream.',
  });
  return { fn, failureQueue };
}

/**
 * The event source's on-failure destination: what CDK's `SqsDlq` does, with the grant made through the
 * construct's grants, so an encrypted queue's key is granted by name (Encrypt, Decrypt, GenerateDataKey)
 * rather than with the `kms:ReEncrypt*` and `kms:GenerateDataKey*` wildcards of `grantSendMessages`.
 */
function failureDestination(queue: sqs.Queue, grants: QueueGrants): lambda.IEventSourceDlq {
  return {
    bind(_target, targetHandler) {
      grants.all(targetHandler, [
        {
          actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
          resourceArns: [queue.queueArn],
        },
      ]);
      return { destination: queue.queueArn };
    },
  };
}
