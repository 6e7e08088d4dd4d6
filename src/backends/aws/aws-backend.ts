/**
 * Assembles the AWS backend from its adapters: the SQS transport (one per priority queue), the DynamoDB
 * job and workflow stores, and where configured EventBridge events, S3 payloads and Scheduler delays.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../../core/errors.js';
import { env } from '../../core/names.js';
import type { Backend } from '../../core/ports.js';
import { PriorityTransport, type PriorityTransportOptions } from '../../core/priority-transport.js';
import { RequestCounter } from '../../core/request-counter.js';
import { marshallOptions } from './attribute-values.js';
import {
  type AwsDelayOptions,
  awsDelayOptionsFromEnv,
  delaySchedulerOf,
  queueNameOf,
  queuesOf,
} from './aws-delays.js';
import { DynamoJobStore } from './dynamo-job-store.js';
import { DynamoWorkerJobStore } from './dynamo-worker-job-store.js';
import { DynamoWorkflowStore } from './dynamo-workflow-store.js';
import { EventBridgePublisher } from './eventbridge-publisher.js';
import { countRequests } from './request-counting.js';
import { S3PayloadStore, type S3PayloadStoreOptions } from './s3-payload-store.js';
import { sdkLogger } from './sdk-logger.js';
import { SqsTransport } from './sqs-transport.js';

/** Where the AWS backend finds its queue and table, and optionally the clients to use. */
export interface AwsBackendOptions {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly tableName: string;
  /** Default: a new `SQSClient` from the environment's region, credentials and endpoint. */
  readonly sqsClient?: SQSClient;
  /** Default: a new `DynamoDBClient` from the environment. */
  readonly dynamoClient?: DynamoDBClient;
  /**
   * Publish every job state change to this EventBridge bus (source `longhaul`, detail type
   * `Longhaul Job State Change`). Default: no events. `client` defaults to a new `EventBridgeClient`.
   */
  readonly events?: { readonly eventBusName: string; readonly client?: EventBridgeClient };
  /**
   * The S3 bucket for arguments and results too large for a message or a record. Without it they are
   * refused with `PayloadTooLargeError` / `ResultTooLargeError`. `client` defaults to `createS3Client()`.
   */
  readonly payloads?: AwsPayloadOptions;
  /** Delays past 15 minutes through EventBridge Scheduler (see `EventBridgeDelayScheduler`). */
  readonly scheduler?: AwsDelayOptions;
  /** The `high` and `low` priority queues (`queueUrl` is `normal`); they share `deadLetterQueueUrl`. */
  readonly priorityQueueUrls?: { readonly high: string; readonly low: string };
  /** With `priorityQueueUrls`: the weights and idle wait of the `PriorityTransport`. */
  readonly priorityOptions?: Pick<PriorityTransportOptions, 'weights' | 'idleWaitSeconds' | 'random'>;
}

/** Where the AWS backend offloads large payloads. */
export type AwsPayloadOptions = Omit<S3PayloadStoreOptions, 'client'> & { readonly client?: S3Client };

/** The AWS backend, with its adapters and SDK clients exposed for inspection and reuse. */
export interface AwsBackend extends Backend {
  /** A `PriorityTransport` over three `SqsTransport`s with `priorityQueueUrls`. */
  readonly transport: SqsTransport | PriorityTransport;
  readonly store: DynamoJobStore;
  readonly requests: RequestCounter;
  readonly sqsClient: SQSClient;
  readonly dynamoClient: DynamoDBClient;
  readonly workflows: DynamoWorkflowStore;
  /** Present when `events` was configured. */
  readonly events?: EventBridgePublisher;
  /** Present when `payloads` was configured. */
  readonly payloads?: S3PayloadStore;
}

/**
 * The AWS backend as a worker needs it: the same adapters, with a job store that has the worker's side
 * only (no cancel, requeue, listings or counts), so a bundle built on it carries none of that code.
 */
export interface AwsWorkerBackend extends Omit<AwsBackend, 'store'> {
  readonly store: DynamoWorkerJobStore;
}

/**
 * SDK clients configured for Longhaul: the queue URL's host never overrides a configured endpoint
 * (emulators report AWS-style queue URLs), and the SDK builds no log copies of requests (see
 * sdk-logger.ts).
 */
export function createClients(): { sqsClient: SQSClient; dynamoClient: DynamoDBClient } {
  return {
    sqsClient: new SQSClient({ useQueueUrlAsEndpoint: false, logger: sdkLogger }),
    dynamoClient: new DynamoDBClient({ logger: sdkLogger }),
  };
}

/**
 * An S3 client for the payload bucket. With a custom endpoint (`AWS_ENDPOINT_URL`: LocalStack, moto) it
 * addresses buckets by path, since `<bucket>.localhost` names do not resolve everywhere.
 */
export function createS3Client(environment: NodeJS.ProcessEnv = process.env): S3Client {
  const customEndpoint = Boolean(environment.AWS_ENDPOINT_URL_S3 || environment[env.endpointUrl]);
  return new S3Client({ forcePathStyle: customEndpoint, logger: sdkLogger });
}

/** Creates the AWS backend. Requests made through its clients are counted in `requests`. */
export function awsBackend(options: AwsBackendOptions): AwsBackend {
  return assembleAwsBackend(options, (client, tableName) => new DynamoJobStore({ client, tableName }));
}

/**
 * Creates the AWS backend as a worker needs it (see {@link AwsWorkerBackend}): what the Lambda handler
 * built from the environment runs on.
 */
export function awsWorkerBackend(options: AwsBackendOptions): AwsWorkerBackend {
  return assembleAwsBackend(options, (client, tableName) => new DynamoWorkerJobStore({ client, tableName }));
}

function assembleAwsBackend<S extends DynamoWorkerJobStore>(
  options: AwsBackendOptions,
  createStore: (client: DynamoDBDocumentClient, tableName: string) => S,
): Omit<AwsBackend, 'store'> & { readonly store: S } {
  const problems = (['queueUrl', 'deadLetterQueueUrl', 'tableName'] as const)
    .filter((field) => typeof options[field] !== 'string' || options[field].length === 0)
    .map((field) => `\`${field}\` to be a non-empty string, got ${JSON.stringify(options[field])}`);
  if (
    options.events !== undefined &&
    (typeof options.events.eventBusName !== 'string' || options.events.eventBusName.length === 0)
  ) {
    problems.push(
      `\`events.eventBusName\` to be a non-empty string, got ${JSON.stringify(options.events.eventBusName)}`,
    );
  }
  for (const priority of ['high', 'low'] as const) {
    const url = options.priorityQueueUrls?.[priority];
    if (options.priorityQueueUrls && (typeof url !== 'string' || url.length === 0)) {
      problems.push(
        `\`priorityQueueUrls.${priority}\` to be a non-empty string (${env.queueUrlHigh} and ${env.queueUrlLow} go together), got ${JSON.stringify(url)}`,
      );
    }
  }
  if (problems.length) throw new ConfigError(`Invalid AWS backend options: expected ${problems.join('; ')}`);
  const defaults = options.sqsClient && options.dynamoClient ? undefined : createClients();
  const sqsClient = options.sqsClient ?? (defaults as NonNullable<typeof defaults>).sqsClient;
  const dynamoClient = options.dynamoClient ?? (defaults as NonNullable<typeof defaults>).dynamoClient;
  const requests = new RequestCounter();
  countRequests(sqsClient, 'sqs', requests);
  countRequests(dynamoClient, 'dynamodb', requests);
  const documentClient = DynamoDBDocumentClient.from(dynamoClient, {
    marshallOptions: { ...marshallOptions },
  });
  let payloads: S3PayloadStore | undefined;
  if (options.payloads) {
    const s3Client = options.payloads.client ?? createS3Client();
    countRequests(s3Client, 's3', requests);
    payloads = new S3PayloadStore({ ...options.payloads, client: s3Client });
  }
  const queues = queuesOf(options);
  const sqs = (queueUrl: string) =>
    new SqsTransport({ client: sqsClient, queueUrl, deadLetterQueueUrl: options.deadLetterQueueUrl });
  const delays =
    options.scheduler &&
    delaySchedulerOf(options.scheduler, sqsClient, queues, options.deadLetterQueueUrl, requests);
  return {
    transport: options.priorityQueueUrls
      ? new PriorityTransport({
          ...options.priorityOptions,
          queues: {
            high: sqs(options.priorityQueueUrls.high),
            normal: sqs(options.queueUrl),
            low: sqs(options.priorityQueueUrls.low),
          },
          queueNames: {
            high: queueNameOf(options.priorityQueueUrls.high),
            normal: queueNameOf(options.queueUrl),
            low: queueNameOf(options.priorityQueueUrls.low),
          },
        })
      : sqs(options.queueUrl),
    store: createStore(documentClient, options.tableName),
    requests,
    sqsClient,
    dynamoClient,
    workflows: new DynamoWorkflowStore({ client: documentClient, tableName: options.tableName }),
    ...(options.events ? { events: eventPublisher(options.events, requests) } : {}),
    ...(payloads ? { payloads } : {}),
    ...(delays ? { delays } : {}),
  };
}

function eventPublisher(
  events: NonNullable<AwsBackendOptions['events']>,
  requests: RequestCounter,
): EventBridgePublisher {
  const client = events.client ?? new EventBridgeClient({ logger: sdkLogger });
  countRequests(client, 'events', requests);
  return new EventBridgePublisher({ client, eventBusName: events.eventBusName });
}

/**
 * Creates the AWS backend from `LONGHAUL_QUEUE_URL`, `LONGHAUL_DLQ_URL` and `LONGHAUL_TABLE_NAME`, with
 * events to `LONGHAUL_EVENT_BUS_NAME` and large payloads offloaded to `LONGHAUL_PAYLOAD_BUCKET` when they
 * are set; with `LONGHAUL_DELAY_ROLE_ARN` (and `LONGHAUL_DELAY_SCHEDULE_GROUP`) its delay scheduler, with
 * `LONGHAUL_QUEUE_URL_HIGH` and `LONGHAUL_QUEUE_URL_LOW` its priority queues.
 */
export function awsBackendFromEnv(environment: NodeJS.ProcessEnv = process.env): AwsBackend {
  return awsBackend(awsBackendOptionsFromEnv(environment));
}

/** {@link awsWorkerBackend} configured from the environment, as {@link awsBackendFromEnv}. */
export function awsWorkerBackendFromEnv(environment: NodeJS.ProcessEnv = process.env): AwsWorkerBackend {
  return awsWorkerBackend(awsBackendOptionsFromEnv(environment));
}

function awsBackendOptionsFromEnv(environment: NodeJS.ProcessEnv): AwsBackendOptions {
  const read = (name: string) => {
    const value = environment[name];
    if (!value) throw new ConfigError(`Environment variable ${name} is not set`);
    return value;
  };
  const eventBusName = environment[env.eventBusName];
  return {
    queueUrl: read(env.queueUrl),
    deadLetterQueueUrl: read(env.deadLetterQueueUrl),
    tableName: read(env.tableName),
    ...(eventBusName ? { events: { eventBusName } } : {}),
    ...(environment[env.payloadBucket]
      ? { payloads: { bucketName: environment[env.payloadBucket] as string } }
      : {}),
    ...awsDelayOptionsFromEnv(environment),
  };
}
