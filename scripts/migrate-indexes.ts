/**
 * Moves an existing job table's items to the current index layout (see docs/upgrading.md): sets the
 * attention attribute where due and removes the legacy `statusShard` and `taskShard`. Idempotent; run it
 * after the deployment that adds `by-attention`, and again if it reports jobs that changed meanwhile.
 *
 *   npm run migrate-indexes -- --table my-app-jobs [--endpoint http://localhost:4566] [--segments 4]
 *
 * Credentials and region come from the usual AWS SDK sources (environment, profile, role).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { migrateJobIndexes } from '../src/aws.js';
import { env } from '../src/core/names.js';

const { values } = parseArgs({
  options: {
    table: { type: 'string' },
    endpoint: { type: 'string' },
    segments: { type: 'string', default: '4' },
  },
});
const tableName = values.table ?? process.env[env.tableName];
const segments = Number(values.segments);
if (!tableName || !Number.isInteger(segments) || segments < 1 || segments > 64) {
  console.error(
    `Usage: migrate-indexes --table NAME (or ${env.tableName}) [--endpoint URL] [--segments 1-64], got table \`${tableName}\`, segments \`${values.segments}\``,
  );
  process.exit(2);
}
const client = DynamoDBDocumentClient.from(
  new DynamoDBClient(values.endpoint ? { endpoint: values.endpoint } : {}),
);
const result = await migrateJobIndexes({
  client,
  tableName,
  segments,
  onProgress: (progress) =>
    process.stderr.write(`\rscanned ${progress.scanned}, updated ${progress.updated}`),
});
process.stderr.write('\n');
console.log(JSON.stringify(result));
if (result.changedMeanwhile > 0) {
  console.error(`${result.changedMeanwhile} jobs changed status while migrating: run the script again.`);
}
