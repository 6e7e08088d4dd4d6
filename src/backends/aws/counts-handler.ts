/**
 * The counts aggregator's Lambda handler: applies the job table's stream to the per-status and per-task
 * counts (see `job-counts.ts`).
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../../core/errors.js';
import { env } from '../../core/names.js';
import { createClients } from './aws-backend.js';
import { applyCountDeltas, type JobStreamRecord } from './job-counts.js';

export type { JobStreamRecord } from './job-counts.js';

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
