import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ConfigError } from '../../core/errors.js';
import { jobIndexes, jobTable } from '../../core/names.js';

/** The queue, dead-letter queue and table one Longhaul deployment uses. */
export interface JobResources {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly tableName: string;
  /** The payload bucket, when one was asked for. */
  readonly payloadBucketName?: string;
  /** The `high` and `low` priority queues, when created with `priorities` (`queueUrl` is `normal`). */
  readonly priorityQueueUrls?: { readonly high: string; readonly low: string };
}

/** What `createJobResources` creates, and with which clients. */
export interface CreateJobResourcesOptions {
  readonly sqsClient: SQSClient;
  readonly dynamoClient: DynamoDBClient;
  /** Prefix of the queue and table names: `<prefix>-jobs`, `<prefix>-jobs-dlq`, `<prefix>-jobs`. */
  readonly prefix: string;
  /**
   * Receives after which SQS itself moves a message to the dead-letter queue. Workers dead-letter failed
   * jobs themselves; this catches messages that crash workers before they can. Default 10.
   */
  readonly maxReceiveCount?: number;
  /** Default visibility timeout of the queue. Default 60. */
  readonly visibilityTimeoutSeconds?: number;
  /** Turn on the table's stream (new and old images), which the counts aggregator reads. Default false. */
  readonly stream?: boolean;
  /**
   * Also create a bucket for large payloads, `<prefix>-payloads` (the prefix must then be lowercase).
   * Needs `s3Client`. Default false.
   */
  readonly payloadBucket?: boolean;
  /** The client for the payload bucket; see `createS3Client`. */
  readonly s3Client?: S3Client;
  /** Also create `<prefix>-jobs-high` and `<prefix>-jobs-low`, sharing the dead-letter queue. Default false. */
  readonly priorities?: boolean;
}

/**
 * Creates (or finds) the queue, its dead-letter queue and the job table, for local development, tests
 * and the emulator. Production deployments use the CDK construct instead. Idempotent.
 */
export async function createJobResources(options: CreateJobResourcesOptions): Promise<JobResources> {
  if (!/^[A-Za-z0-9_-]{1,60}$/.test(options.prefix)) {
    throw new ConfigError(
      `Expected \`prefix\` to be 1–60 letters, digits, "-" or "_", got ${JSON.stringify(options.prefix)}`,
    );
  }
  if (options.payloadBucket && (!options.s3Client || !/^[a-z0-9-]{1,51}$/.test(options.prefix))) {
    throw new ConfigError(
      `Expected \`s3Client\` and a lowercase \`prefix\` of at most 51 characters for \`payloadBucket\`, got ${JSON.stringify(options.prefix)}`,
    );
  }
  const maxReceiveCount = options.maxReceiveCount ?? 10;
  const names = resourceNames(options.prefix);
  const dlq = await options.sqsClient.send(
    new CreateQueueCommand({
      QueueName: names.deadLetterQueue,
      Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600), SqsManagedSseEnabled: 'true' },
    }),
  );
  const dlqUrl = dlq.QueueUrl as string;
  const dlqAttributes = await options.sqsClient.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const workQueue = async (name: string) => {
    const created = await options.sqsClient.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 60),
          SqsManagedSseEnabled: 'true',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqAttributes.Attributes?.QueueArn,
            maxReceiveCount,
          }),
        },
      }),
    );
    return created.QueueUrl as string;
  };
  const queueUrl = await workQueue(names.queue);
  const priorityQueueUrls = options.priorities
    ? { high: await workQueue(`${names.queue}-high`), low: await workQueue(`${names.queue}-low`) }
    : undefined;
  try {
    await options.dynamoClient.send(
      new CreateTableCommand({
        TableName: names.table,
        BillingMode: 'PAY_PER_REQUEST',
        ...(options.stream
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const } }
          : {}),
        AttributeDefinitions: [
          { AttributeName: jobTable.partitionKey, AttributeType: 'S' },
          ...jobIndexes.map((index) => ({ AttributeName: index.partitionKey, AttributeType: 'S' as const })),
          { AttributeName: jobTable.timeIndex.sortKey, AttributeType: 'N' },
        ],
        KeySchema: [{ AttributeName: jobTable.partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: jobIndexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
            { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
          ],
          // Keys and the task only (which never change after creation): updates that change no key,
          // such as heartbeats, progress and most status changes, never write to an index.
          Projection:
            index.include.length > 0
              ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.include] }
              : { ProjectionType: 'KEYS_ONLY' as const },
        })),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client: options.dynamoClient, maxWaitTime: 60 }, { TableName: names.table });
  if (options.payloadBucket && options.s3Client) {
    try {
      await options.s3Client.send(new CreateBucketCommand({ Bucket: names.payloadBucket }));
    } catch (error) {
      if ((error as { name?: unknown }).name !== 'BucketAlreadyOwnedByYou') throw error;
    }
  }
  return {
    queueUrl,
    deadLetterQueueUrl: dlqUrl,
    tableName: names.table,
    ...(options.payloadBucket ? { payloadBucketName: names.payloadBucket } : {}),
    ...(priorityQueueUrls ? { priorityQueueUrls } : {}),
  };
}

/** Deletes what `createJobResources` made (the payload bucket with its objects, given `s3Client`). */
export async function deleteJobResources(
  options: Pick<CreateJobResourcesOptions, 'sqsClient' | 'dynamoClient' | 's3Client'>,
  resources: JobResources,
): Promise<void> {
  await Promise.all([
    options.sqsClient.send(new DeleteQueueCommand({ QueueUrl: resources.queueUrl })),
    options.sqsClient.send(new DeleteQueueCommand({ QueueUrl: resources.deadLetterQueueUrl })),
    ...Object.values(resources.priorityQueueUrls ?? {}).map((QueueUrl) =>
      options.sqsClient.send(new DeleteQueueCommand({ QueueUrl })),
    ),
    options.dynamoClient.send(new DeleteTableCommand({ TableName: resources.tableName })),
    resources.payloadBucketName && options.s3Client
      ? deleteBucket(options.s3Client, resources.payloadBucketName)
      : undefined,
  ]);
}

async function deleteBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key as string }));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

function resourceNames(prefix: string) {
  return {
    queue: `${prefix}-jobs`,
    deadLetterQueue: `${prefix}-jobs-dlq`,
    table: `${prefix}-jobs`,
    payloadBucket: `${prefix}-payloads`,
  };
}
