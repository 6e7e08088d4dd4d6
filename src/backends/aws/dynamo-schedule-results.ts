/**
 * The pointer to each schedule's last succeeded run: one small item per schedule in the job table, keyed
 * `#schedule-latest#<name>`. It has no status or task, so it is in no index, listing, count or purge, and
 * no TTL: it is replaced by the next run, never expired. The write's condition is
 * `core/schedule-result.ts`'s order (later firing time, or the same firing finished no earlier), so a
 * late older run loses and a redelivery writes the same item again.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { jobTable } from '../../core/names.js';
import type { ScheduleResultPointer } from '../../core/ports.js';
import type { JobTable } from './dynamo-job-table.js';

/** One conditional PutItem; resolves false when a newer run is already recorded. */
export async function putScheduleResult(table: JobTable, pointer: ScheduleResultPointer): Promise<boolean> {
  try {
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...pointer, [jobTable.partitionKey]: pointerKey(pointer.schedule) },
        ConditionExpression:
          'attribute_not_exists(#id) OR #scheduledFor < :scheduledFor OR (#scheduledFor = :scheduledFor AND #finishedAt <= :finishedAt)',
        ExpressionAttributeNames: {
          '#id': jobTable.partitionKey,
          '#scheduledFor': 'scheduledFor',
          '#finishedAt': 'finishedAt',
        },
        ExpressionAttributeValues: {
          ':scheduledFor': pointer.scheduledFor,
          ':finishedAt': pointer.finishedAt,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * One eventually consistent GetItem (half a read unit for a pointer up to 4 KB): a page reading the
 * latest figures can be a second behind the worker that wrote them, and pays half as much for it.
 */
export async function getScheduleResult(
  table: JobTable,
  schedule: string,
): Promise<ScheduleResultPointer | undefined> {
  const output = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: { [jobTable.partitionKey]: pointerKey(schedule) } }),
  );
  if (!output.Item) return undefined;
  const { [jobTable.partitionKey]: _key, ...pointer } = output.Item;
  return pointer as ScheduleResultPointer;
}

function pointerKey(schedule: string): string {
  return `${jobTable.scheduleLatestPrefix}${schedule}`;
}
