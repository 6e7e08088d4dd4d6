/**
 * `longhaul/aws`: the AWS backend (jobs on Amazon SQS, job records in Amazon DynamoDB) and the
 * long-running worker configured from the environment.
 *
 * @example
 * import { awsBackend } from 'longhaul/aws';
 * const backend = awsBackend({ queueUrl, deadLetterQueueUrl, tableName });
 */
export {
  type AwsBackend,
  type AwsBackendOptions,
  type AwsDelayOptions,
  type AwsPayloadOptions,
  atExpression,
  awsBackend,
  awsBackendFromEnv,
  type CreateJobResourcesOptions,
  createClients,
  createJobResources,
  createS3Client,
  DynamoJobStore,
  type DynamoJobStoreOptions,
  DynamoWorkflowStore,
  type DynamoWorkflowStoreOptions,
  deadLetterAttributes,
  defaultPayloadPrefix,
  deleteJobResources,
  EventBridgeDelayScheduler,
  type EventBridgeDelaySchedulerOptions,
  EventBridgePublisher,
  type EventBridgePublisherOptions,
  type JobIndexMigrationOptions,
  type JobIndexMigrationResult,
  type JobResources,
  jobStateEvent,
  migrateJobIndexes,
  PriorityTransport,
  type PriorityTransportOptions,
  queueArnFromUrl,
  S3PayloadStore,
  type S3PayloadStoreOptions,
  SqsTransport,
  type SqsTransportOptions,
  scheduleNameOf,
} from './backends/aws/index.js';
export { env, jobTable } from './core/names.js';
export { createWorkerFromEnv } from './wiring/worker-from-env.js';
