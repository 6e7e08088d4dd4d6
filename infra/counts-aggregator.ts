/**
 * The counts aggregator: a small function on the job table's stream that keeps job counts by status and
 * task in one item, so `longhaul stats` and the dashboard read them with one GetItem.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { env } from '../src/core/names.js';
import type { QueueGrants } from './grants.js';
import { createNodeFunction, type LogSettings } from './node-function.js';

/**
 * One invocation per batch of up to 100 stream records, applied in one transaction (see
 * src/backends/aws/job-counts.ts). A failing batch is retried, split in halves, and after 10 tries
 * skipped (the counts then drift; the jobs never do).
 */
export function createCountsAggregator(
  scope: Construct,
  options: {
    /** The job table, with its stream of new and old images. */
    readonly table: dynamodb.Table;
    readonly settings: LogSettings;
    readonly grants: QueueGrants;
  },
): nodejs.NodejsFunction {
  const { table } = options;
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
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      bisectBatchOnError: true,
      retryAttempts: 10,
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
  return fn;
}
