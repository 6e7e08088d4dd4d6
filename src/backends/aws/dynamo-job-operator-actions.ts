/**
 * What an operator does to jobs from any process (the CLI, the dashboard, the `Longhaul` client): cancel
 * one, requeue a finished one, delete finished ones. Each write is conditional on the job's status, and a
 * failed condition becomes `JobNotFoundError` or `JobConflictError` naming the status that refused it.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { JobConflictError, JobNotFoundError } from '../../core/errors.js';
import { cancellableStatuses, type JobRecord, JobStatus, retryableStatuses } from '../../core/job.js';
import { jobTable } from '../../core/names.js';
import { isExpired } from '../../core/retention.js';
import { requeueClears, statusEvent } from '../../core/transitions.js';
import { fromItem, ttlSeconds, withoutAttempt } from './dynamo-job-item.js';
import { type JobTable, jobAsItStood, updateJob } from './dynamo-job-table.js';
import { enterStatus } from './job-index.js';
import { UpdateExpression } from './update-expression.js';

/** Cancels an unstarted job, or asks a running one's worker to cancel it (see `DynamoJobStore.cancel`). */
export async function cancelJob(
  table: JobTable,
  id: string,
  at: number,
  expiresAt?: number,
): Promise<JobRecord> {
  for (let tries = 1; ; tries++) {
    try {
      return await cancelUnstarted(table, id, at, expiresAt);
    } catch (error) {
      if (!(error instanceof JobConflictError) || error.context.status !== JobStatus.running || tries >= 3)
        throw error;
    }
    const requested = await requestCancel(table, id, at);
    if (requested) return requested;
  }
}

/** Marks a running job for its worker to cancel; undefined when it is no longer running. */
async function requestCancel(table: JobTable, id: string, at: number): Promise<JobRecord | undefined> {
  const u = new UpdateExpression().setIfMissing('cancelRequestedAt', at);
  try {
    return fromItem(
      (await updateJob(table, id, u, u.compare('status', '=', JobStatus.running), 'ALL_NEW')) ?? {},
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

async function cancelUnstarted(
  table: JobTable,
  id: string,
  at: number,
  expiresAt?: number,
): Promise<JobRecord> {
  const u = new UpdateExpression()
    .setLast('status', JobStatus.cancelled)
    .set('finishedAt', at)
    .append('history', [withoutAttempt(statusEvent(JobStatus.cancelled, at, 0))])
    .remove('nextAttemptAt');
  enterStatus(u, JobStatus.cancelled, id);
  if (expiresAt !== undefined) u.set(jobTable.ttlAttribute, ttlSeconds(expiresAt));
  const condition = `attribute_exists(${u.name(jobTable.partitionKey)}) AND ${u.in('status', cancellableStatuses)}`;
  return operatorUpdate(table, id, 'cancel', u, condition);
}

/** Queues a finished job again as new: no attempts, enqueued `at`. */
export async function requeueJob(table: JobTable, id: string, at: number): Promise<JobRecord> {
  const u = new UpdateExpression()
    .setLast('status', JobStatus.queued)
    .set('attempts', 0)
    .set('enqueuedAt', at)
    .append('history', [statusEvent(JobStatus.queued, at, 0)])
    .remove(...requeueClears);
  enterStatus(u, JobStatus.queued, id);
  const condition = `attribute_exists(${u.name(jobTable.partitionKey)}) AND ${u.in('status', retryableStatuses)}`;
  return operatorUpdate(table, id, 'retry', u, condition);
}

/** Deletes the jobs of `ids` that are finished; resolves with the ids it deleted. */
export async function removeJobs(table: JobTable, ids: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  const queue = [...ids];
  // Ten at a time: conditional deletes cannot be batched (BatchWriteItem takes no conditions).
  await Promise.all(
    Array.from({ length: Math.min(10, queue.length) }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          await table.client.send(
            new DeleteCommand({
              TableName: table.tableName,
              Key: { [jobTable.partitionKey]: id },
              ConditionExpression: '#status IN (:s0, :s1, :s2)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':s0': JobStatus.succeeded,
                ':s1': JobStatus.failed,
                ':s2': JobStatus.cancelled,
              },
            }),
          );
          removed.push(id);
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
    }),
  );
  return removed;
}

async function operatorUpdate(
  table: JobTable,
  id: string,
  operation: string,
  u: UpdateExpression,
  condition: string,
): Promise<JobRecord> {
  try {
    return fromItem((await updateJob(table, id, u, condition, 'ALL_NEW')) ?? {});
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = await jobAsItStood(table, id, error);
    if (!current || isExpired(current)) throw new JobNotFoundError(id);
    throw new JobConflictError(id, operation, current.status);
  }
}
