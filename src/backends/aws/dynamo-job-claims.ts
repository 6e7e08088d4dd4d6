/**
 * The writes on a job no worker runs yet: create its record, claim it (which creates the record from
 * the message when the producer wrote none), take over an attempt whose lease ran out, reject it
 * without running, or note that it waits for a limit. Each is one conditional write on the job's
 * status, so two workers can never both start an attempt.
 */
import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { JobConflictError, JobNotFoundError } from '../../core/errors.js';
import { claimableStatuses, type JobLimited, type JobRecord, JobStatus } from '../../core/job.js';
import { jobTable } from '../../core/names.js';
import type { ClaimRequest, ClaimResult, LimitedNote, RejectRequest } from '../../core/ports.js';
import { lostAttemptRecord, statusEvent } from '../../core/transitions.js';
import { toAttributeValues } from './attribute-values.js';
import { fromItem, toItem, translateSizeError, ttlSeconds, withoutAttempt } from './dynamo-job-item.js';
import { type JobTable, jobAsItStood, updateJob } from './dynamo-job-table.js';
import { enterStatus, timeShardKey } from './job-index.js';
import { UpdateExpression } from './update-expression.js';

/** Puts a new job's record; throws `JobConflictError` when a live job has its id. */
export async function createJob(table: JobTable, job: JobRecord): Promise<void> {
  try {
    // A low-level command, as for every job write (see attribute-values.ts).
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: toAttributeValues(toItem(job)),
        // An expired job counts as deleted (TTL is just late), so its id may be used again.
        ConditionExpression: 'attribute_not_exists(#id) OR #ttl <= :now',
        ExpressionAttributeNames: { '#id': jobTable.partitionKey, '#ttl': jobTable.ttlAttribute },
        ExpressionAttributeValues: toAttributeValues({ ':now': Date.now() / 1000 }),
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      throw new JobConflictError(job.id, 'create', 'already existing');
    throw translateSizeError(error, job);
  }
}

/**
 * Starts the first attempt, or the next one of a retrying job, filling in whatever the record lacks
 * (but `logs`, which reads fill in while empty and the first log line starts).
 */
export async function claimJob(table: JobTable, request: ClaimRequest): Promise<ClaimResult> {
  const u = new UpdateExpression();
  const { envelope } = request;
  const createMissing = request.createMissing ?? true;
  if (createMissing) {
    // What a record created from the message needs: what the producer's record would have held. A claim
    // that may not create the record (its producer writes it: `pendingRecord`) finds them in the
    // producer's item, so it sends none of them.
    u.setIfMissing('task', envelope.task)
      .setIfMissing(jobTable.timeIndex.partitionKey, timeShardKey(envelope.id))
      .setIfMissing('args', envelope.args ?? null)
      .setIfMissing('maxAttempts', request.maxAttempts)
      .setIfMissing('enqueuedAt', envelope.enqueuedAt);
    if (envelope.workflow) u.setIfMissing('workflow', envelope.workflow);
    if (request.trace) u.setIfMissing('trace', request.trace);
  }
  const running = withoutAttempt(statusEvent(JobStatus.running, request.now, 0, request.workerId));
  u.setIfMissing('startedAt', request.now)
    .increment('attempts')
    .setLast('status', JobStatus.running)
    .set('workerId', request.workerId)
    .set('heartbeatAt', request.now)
    .set('leaseExpiresAt', request.leaseExpiresAt)
    .set('leaseToken', request.token)
    // A record created here starts, like the producer's, with the job queued when it was enqueued.
    .append(
      'history',
      [running],
      createMissing ? [withoutAttempt(statusEvent(JobStatus.queued, envelope.enqueuedAt, 0))] : [],
    )
    .remove('nextAttemptAt');
  // Leaves the retrying or scheduled entry of the attention index (free for a queued job: none).
  enterStatus(u, JobStatus.running, envelope.id);
  if (envelope.schedule) u.setIfMissing('schedule', envelope.schedule.name);
  if (envelope.argsRef) u.setIfMissing('argsRef', envelope.argsRef);
  if (envelope.priority) u.setIfMissing('priority', envelope.priority);
  const condition = unstartedCondition(u, createMissing);
  return claimUpdate(table, envelope.id, u, condition);
}

/** Records the lost attempt as failed and starts the next, if the lease of `lostJob`'s attempt ran out. */
export async function takeOverJob(
  table: JobTable,
  request: ClaimRequest,
  lostJob: Pick<JobRecord, 'attempts' | 'workerId'>,
): Promise<ClaimResult> {
  const lostAttempt = lostJob.attempts;
  const lost = lostAttemptRecord(lostJob, request.now);
  const u = new UpdateExpression();
  u.set('attempts', lostAttempt + 1)
    .set('workerId', request.workerId)
    .set('heartbeatAt', request.now)
    .set('leaseExpiresAt', request.leaseExpiresAt)
    .set('leaseToken', request.token)
    .set('error', lost.error)
    .append('history', [
      lost.event,
      statusEvent(JobStatus.running, request.now, lostAttempt + 1, request.workerId),
    ]);
  const condition = [
    u.compare('status', '=', JobStatus.running),
    u.compare('attempts', '=', lostAttempt),
    u.compare('leaseExpiresAt', '<', request.now),
  ].join(' AND ');
  return claimUpdate(table, request.envelope.id, u, condition);
}

/** Ends a job without running it; false when its guard no longer holds. */
export async function rejectJob(table: JobTable, request: RejectRequest): Promise<boolean> {
  const status = request.status ?? JobStatus.failed;
  const u = new UpdateExpression()
    .setIfMissing('task', request.task)
    .setIfMissing(jobTable.timeIndex.partitionKey, timeShardKey(request.id))
    .setIfMissing('args', request.args ?? null)
    .setIfMissing('maxAttempts', request.maxAttempts)
    .setIfMissing('enqueuedAt', request.enqueuedAt ?? request.at)
    .setIfMissing('logs', [])
    .setIfMissing('attempts', 0)
    .setLast('status', status)
    .set('error', request.error)
    .set('deadLettered', request.deadLettered)
    .set('finishedAt', request.at)
    .append('history', [withoutAttempt(statusEvent(status, request.at, 0, undefined, request.error))])
    .remove('leaseExpiresAt', 'leaseToken', 'handoff');
  enterStatus(u, status, request.id);
  if (request.expiresAt !== undefined) u.set(jobTable.ttlAttribute, ttlSeconds(request.expiresAt));
  const guard = request.guard;
  const condition =
    guard.kind === 'unstarted'
      ? unstartedCondition(u, guard.createMissing ?? true)
      : [
          u.compare('status', '=', JobStatus.running),
          u.compare('attempts', '=', guard.attempt),
          u.compare('leaseExpiresAt', '<', guard.now),
        ].join(' AND ');
  try {
    await updateJob(table, request.id, u, condition, 'NONE');
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Records why an unstarted job waits; when it has started or gone meanwhile, says how it stands. */
export async function noteJobLimited(table: JobTable, id: string, limited: JobLimited): Promise<LimitedNote> {
  const u = new UpdateExpression().set('limited', limited);
  const condition = `attribute_exists(${u.name(jobTable.partitionKey)}) AND ${u.in('status', claimableStatuses)}`;
  try {
    await updateJob(table, id, u, condition, 'NONE');
    return { noted: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = await jobAsItStood(table, id, error);
    return current ? { noted: false, job: current } : { noted: false };
  }
}

/** Queued or retrying; or missing, when the write may create the record. */
function unstartedCondition(u: UpdateExpression, createMissing: boolean): string {
  const claimable = u.in('status', claimableStatuses);
  const id = u.name(jobTable.partitionKey);
  return createMissing
    ? `attribute_not_exists(${id}) OR ${claimable}`
    : `attribute_exists(${id}) AND ${claimable}`;
}

async function claimUpdate(
  table: JobTable,
  id: string,
  u: UpdateExpression,
  condition: string,
): Promise<ClaimResult> {
  try {
    const output = await updateJob(table, id, u, condition, 'ALL_NEW');
    return { claimed: true, job: fromItem(output ?? {}) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const current = await jobAsItStood(table, id, error);
    if (!current) throw new JobNotFoundError(id);
    return { claimed: false, job: current };
  }
}
