/**
 * The reads and the one conditional `UpdateItem` that every job transition goes through. A failed
 * condition returns the item as it stood (`ReturnValuesOnConditionCheckFailure`), so explaining it
 * costs no read.
 */
import { type ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { JobRecord } from '../../core/job.js';
import { jobTable } from '../../core/names.js';
import { isExpired } from '../../core/retention.js';
import { toAttributeValues } from './attribute-values.js';
import { fromItem, translateSizeError, unmarshallIfRaw } from './dynamo-job-item.js';
import type { UpdateExpression } from './update-expression.js';

/** The job table as the store's functions reach it. */
export interface JobTable {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** One strongly consistent GetItem; an expired job reads as gone. */
export async function getJob(table: JobTable, id: string): Promise<JobRecord | undefined> {
  const output = await table.client.send(
    new GetCommand({
      TableName: table.tableName,
      Key: { [jobTable.partitionKey]: id },
      ConsistentRead: true,
    }),
  );
  const job = output.Item ? fromItem(output.Item) : undefined;
  // TTL deletes an expired item within a day or two; until then it reads as already gone.
  return job && !isExpired(job) ? job : undefined;
}

/** The conditional UpdateItem of job `id`; resolves with its new item when `returnValues` is `ALL_NEW`. */
export async function updateJob(
  table: JobTable,
  id: string,
  u: UpdateExpression,
  condition: string,
  returnValues: 'ALL_NEW' | 'NONE',
): Promise<Record<string, unknown> | undefined> {
  const values = toAttributeValues(u.values);
  try {
    // A low-level command (see attribute-values.ts); a failed condition's item comes back raw, which
    // `jobAsItStood` unmarshalls.
    const output = await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: { [jobTable.partitionKey]: { S: id } },
        UpdateExpression: u.updateExpression,
        ConditionExpression: condition,
        ExpressionAttributeNames: u.names,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        ReturnValues: returnValues,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return output.Attributes && unmarshall(output.Attributes);
  } catch (error) {
    throw translateSizeError(error, u.values);
  }
}

/**
 * The job as it stood when `failed`'s condition was checked: from the error when DynamoDB returned it,
 * otherwise read (undefined when the job is gone).
 */
export async function jobAsItStood(
  table: JobTable,
  id: string,
  failed: ConditionalCheckFailedException,
): Promise<JobRecord | undefined> {
  return failed.Item ? fromItem(unmarshallIfRaw(failed.Item)) : await getJob(table, id);
}
