/**
 * Moves the job items of a table made by an earlier 0.x release to the current index layout (see
 * docs/upgrading.md): sets the attention attribute of the jobs in an attention state, sets the time
 * shard where missing, and removes the legacy `statusShard` and `taskShard`. Idempotent: an item
 * already in the new layout is not written, so running it again writes nothing.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { attentionStateOf } from '../../core/index-shards.js';
import { isFinalStatus, type JobStatus, jobStatuses } from '../../core/job.js';
import { jobTable, legacyJobIndexes } from '../../core/names.js';
import { attentionShardKey, timeShardKey } from './job-index.js';
import { UpdateExpression } from './update-expression.js';

/** Where and how to migrate. */
export interface JobIndexMigrationOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Parallel scan segments. Default 4. */
  readonly segments?: number;
  /** Called after each scanned page with the totals so far. */
  readonly onProgress?: (progress: JobIndexMigrationResult) => void;
}

/** What a migration did. */
export interface JobIndexMigrationResult {
  /** Job items read. */
  readonly scanned: number;
  /** Job items rewritten. */
  readonly updated: number;
  /** Items whose status changed while they were being migrated: left to the write that changed them. */
  readonly changedMeanwhile: number;
}

/**
 * The attributes of the earlier index layouts, worked out on first use rather than at import: this module
 * rides along wherever `DynamoJobStore` does, and nothing but a migration needs them.
 */
let legacyAttributes: readonly string[] | undefined;

function legacyAttributesOf(): readonly string[] {
  legacyAttributes ??= [
    ...new Set(
      legacyJobIndexes
        .map((index) => index.partitionKey)
        .filter((key) => key !== jobTable.timeIndex.partitionKey),
    ),
  ];
  return legacyAttributes;
}

/**
 * Migrates every job item of the table. A running job is listed as long-running (the migration cannot
 * know how long its attempt has run; its outcome removes the entry). Each write is conditional on the
 * status the scan saw, so a worker's concurrent transition is never overwritten: that write already
 * sets the attention attribute by the current rules, and a second run removes what it left.
 */
export async function migrateJobIndexes(options: JobIndexMigrationOptions): Promise<JobIndexMigrationResult> {
  const totals = { scanned: 0, updated: 0, changedMeanwhile: 0 };
  const segments = options.segments ?? 4;
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await options.client.send(
          new ScanCommand({
            TableName: options.tableName,
            Segment: segment,
            TotalSegments: segments,
            FilterExpression: 'NOT begins_with(#id, :reserved) AND attribute_exists(#status)',
            ExpressionAttributeNames: { '#id': jobTable.partitionKey, '#status': 'status' },
            ExpressionAttributeValues: { ':reserved': jobTable.reservedKeyPrefix },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          totals.scanned++;
          const outcome = await migrateItem(options, item);
          if (outcome === 'updated') totals.updated++;
          if (outcome === 'changed') totals.changedMeanwhile++;
        }
        startKey = page.LastEvaluatedKey;
        options.onProgress?.({ ...totals });
      } while (startKey);
    }),
  );
  return totals;
}

async function migrateItem(
  options: JobIndexMigrationOptions,
  item: Record<string, unknown>,
): Promise<'updated' | 'unchanged' | 'changed'> {
  const id = String(item[jobTable.partitionKey]);
  const status = item.status as JobStatus;
  if (!jobStatuses.includes(status)) return 'unchanged';
  const state = attentionStateOf(status, status === 'running');
  const attention = state ? attentionShardKey(state, id) : undefined;
  const u = new UpdateExpression();
  const time = timeShardKey(id);
  if (item[jobTable.timeIndex.partitionKey] !== time) u.set(jobTable.timeIndex.partitionKey, time);
  if (item[jobTable.attentionIndex.partitionKey] !== attention) {
    if (attention) u.set(jobTable.attentionIndex.partitionKey, attention);
    else u.remove(jobTable.attentionIndex.partitionKey);
  }
  for (const legacy of legacyAttributesOf()) if (item[legacy] !== undefined) u.remove(legacy);
  if (u.updateExpression === '') return 'unchanged';
  // A final job's status never changes; any other's may, under a worker, so the write checks it.
  const condition = [
    u.compare('status', '=', status),
    ...(!isFinalStatus(status) && typeof item.attempts === 'number'
      ? [u.compare('attempts', '=', item.attempts)]
      : []),
  ].join(' AND ');
  try {
    await options.client.send(
      new UpdateCommand({
        TableName: options.tableName,
        Key: { [jobTable.partitionKey]: id },
        UpdateExpression: u.updateExpression,
        ConditionExpression: condition,
        ...u.parameters,
      }),
    );
    return 'updated';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'changed';
    throw error;
  }
}
