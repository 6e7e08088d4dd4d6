/**
 * The Lambda worker: a handler for an SQS event source with partial batch responses, running the same
 * tasks through the same job lifecycle as the long-running worker.
 *
 * @example
 * // functions/lambda.ts, deployed by the LonghaulQueue construct
 * import { createLambdaHandlerFromEnv } from 'longhaul/lambda';
 * import { tasks } from '../src/tasks.js';
 * export const handler = createLambdaHandlerFromEnv({ tasks });
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { applyCountDeltas, type JobStreamRecord } from './adapters/aws/job-counts.js';
import { awsBackendFromEnv, createClients } from './aws.js';
import { ConfigError } from './core/errors.js';
import { env } from './names.js';
import {
  createLambdaHandler,
  type LambdaHandlerOptions,
  type LonghaulLambdaHandler,
} from './runtime/lambda-handler.js';
import { retentionFromEnv } from './runtime/worker-env.js';

export {
  createLambdaHandler,
  type LambdaContextLike,
  type LambdaHandlerOptions,
  type LonghaulLambdaHandler,
  type SqsBatchResponse,
  type SqsEvent,
  type SqsEventRecord,
} from './runtime/lambda-handler.js';

/**
 * A Lambda handler configured from the environment the construct sets: the backend from
 * `LONGHAUL_QUEUE_URL`, `LONGHAUL_DLQ_URL` and `LONGHAUL_TABLE_NAME` (its SDK clients are created on the
 * first invocation, so importing the bundle does no work), the lease from
 * `LONGHAUL_VISIBILITY_TIMEOUT_SECONDS` and the delivery limit from `LONGHAUL_DELIVERY_LIMIT`.
 */
export function createLambdaHandlerFromEnv(
  options: Omit<LambdaHandlerOptions, 'backend'> & Partial<Pick<LambdaHandlerOptions, 'backend'>>,
  environment: NodeJS.ProcessEnv = process.env,
): LonghaulLambdaHandler {
  const integer = (name: string): number | undefined => {
    const raw = environment[name];
    if (raw === undefined || raw === '') return undefined;
    if (!/^\d+$/.test(raw.trim()))
      throw new ConfigError(`Expected ${name} to be an integer, got ${JSON.stringify(raw)}`);
    return Number(raw);
  };
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? integer(env.visibilityTimeoutSeconds);
  const deliveryLimit = options.deliveryLimit ?? integer(env.deliveryLimit);
  const retention = options.retention ?? retentionFromEnv(environment);
  return createLambdaHandler({
    ...options,
    backend: options.backend ?? (() => awsBackendFromEnv(environment)),
    ...(visibilityTimeoutSeconds !== undefined ? { visibilityTimeoutSeconds } : {}),
    ...(deliveryLimit !== undefined ? { deliveryLimit } : {}),
    ...(retention !== undefined ? { retention } : {}),
  });
}

export type { JobStreamRecord } from './adapters/aws/job-counts.js';

/** A DynamoDB Streams event as Lambda delivers it (the parts the counts handler reads). */
export interface JobStreamEvent {
  readonly Records: readonly JobStreamRecord[];
}

/**
 * The counts aggregator: a Lambda handler on the job table's stream (NEW_AND_OLD_IMAGES) that keeps the
 * per-status and per-task job counts `longhaul stats` and the dashboard read with one GetItem. Each
 * batch is applied once, in one transaction; a failure throws so Lambda retries the batch. The CDK
 * construct deploys it; `functions/counts.ts` is its entrypoint.
 */
export function createCountsHandler(options: {
  tableName: string;
  client?: DynamoDBDocumentClient;
}): (event: JobStreamEvent) => Promise<void> {
  let client = options.client;
  return async (event) => {
    client ??= DynamoDBDocumentClient.from(createClients().dynamoClient);
    await applyCountDeltas(client, options.tableName, event.Records);
  };
}

/**
 * The counts aggregator for the table named by `LONGHAUL_TABLE_NAME`, read on the first invocation (so
 * importing the bundle does no work).
 */
export function createCountsHandlerFromEnv(
  environment: NodeJS.ProcessEnv = process.env,
): (event: JobStreamEvent) => Promise<void> {
  let handler: ((event: JobStreamEvent) => Promise<void>) | undefined;
  return async (event) => {
    if (!handler) {
      const tableName = environment[env.tableName];
      if (!tableName) throw new ConfigError(`Environment variable ${env.tableName} is not set`);
      handler = createCountsHandler({ tableName });
    }
    await handler(event);
  };
}
