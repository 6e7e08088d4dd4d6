/**
 * The AWS backend: jobs on Amazon SQS, job records in Amazon DynamoDB. Works against any endpoint the
 * SDK can reach (AWS, LocalStack, moto): set `AWS_ENDPOINT_URL` or pass your own clients.
 *
 * What the rest of Longhaul (the CLI, the dashboard, the package entry points) may import from this
 * backend; every other file in this folder is its own business.
 *
 * @example
 * import { awsBackend } from 'longhaul/aws';
 * const backend = awsBackend({ queueUrl, deadLetterQueueUrl, tableName });
 */

export { PriorityTransport, type PriorityTransportOptions } from '../../core/priority-transport.js';
export {
  type AwsBackend,
  type AwsBackendOptions,
  type AwsPayloadOptions,
  type AwsWorkerBackend,
  awsBackend,
  awsBackendFromEnv,
  awsWorkerBackend,
  awsWorkerBackendFromEnv,
  createClients,
  createS3Client,
} from './aws-backend.js';
export { type AwsDelayOptions, awsDelayOptionsFromEnv } from './aws-delays.js';
export {
  createCountsHandler,
  createCountsHandlerFromEnv,
  type JobStreamEvent,
  type JobStreamRecord,
} from './counts-handler.js';
export { DynamoJobStore, type DynamoJobStoreOptions } from './dynamo-job-store.js';
export { DynamoWorkerJobStore } from './dynamo-worker-job-store.js';
export {
  DynamoWorkflowStore,
  type DynamoWorkflowStoreOptions,
} from './dynamo-workflow-store.js';
export {
  atExpression,
  EventBridgeDelayScheduler,
  type EventBridgeDelaySchedulerOptions,
  queueArnFromUrl,
  scheduleNameOf,
} from './eventbridge-delay-scheduler.js';
export {
  EventBridgePublisher,
  type EventBridgePublisherOptions,
  jobStateEvent,
} from './eventbridge-publisher.js';
export {
  type JobIndexMigrationOptions,
  type JobIndexMigrationResult,
  migrateJobIndexes,
} from './job-index-migration.js';
export {
  type CreateJobResourcesOptions,
  createJobResources,
  deleteJobResources,
  type JobResources,
} from './job-resources.js';
export {
  defaultPayloadPrefix,
  S3PayloadStore,
  type S3PayloadStoreOptions,
} from './s3-payload-store.js';
export { sdkLogger } from './sdk-logger.js';
export {
  deadLetterAttributes,
  SqsTransport,
  type SqsTransportOptions,
} from './sqs-transport.js';
