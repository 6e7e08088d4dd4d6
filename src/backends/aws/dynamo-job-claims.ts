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
import {
  firstClaimWrite,
  lostAttemptRecord,
  type RecordPutCondition,
  startedRecordOf,
  statusEvent,
} from '../../core/transitions.js';
import { toAttributeValues } from './attribute-values.js';
import { fromItem, toItem, translateSizeError, ttlSeconds, withoutAttempt } from './dynamo-job-item.js';
import { type JobTable, jobAsItStood, updateJob } from './dynamo-job-table.js';
import { enterStatus, timeShardKey } from './job-index.js';
import { UpdateExpression } from './update-expression.js';

/** Puts a new job's record; throws `JobConflictError` when a live job has its id. */
export async function createJob(table: JobTable, job: JobRecord): Promise<void> {
  if (!(await putNewJob(table, job))) throw new JobConflictError(job.id, 'create', 'already existing');
}

/** Puts a new job's record; false when a live job has its id. */
function putNewJob(table: JobTable, job: JobRecord): Promise<boolean> {
  return putJob(table, job, { createMissing: true, overQueued: false });
}

/**
 * Puts `job`'s record whole when there is none (`createMissing`: none, or an expired one, since TTL is
 * just late) or when the record there is the queued one its envelope describes (`overQueued`, the
 * envelope's `plainRecord`: queued and enqueued when the envelope says, with no limit note); false when
 * the condition fails.
 */
async function putJob(
  table: JobTable,
  job: JobRecord,
  { createMissing, overQueued }: RecordPutCondition,
): Promise<boolean> {
  // Only the condition's names and values: a put has no update expression.
  const u = new UpdateExpression();
  const clauses: string[] = [];
  if (createMissing) {
    clauses.push(
      `attribute_not_exists(${u.name(jobTable.partitionKey)}) OR ${u.compare(jobTable.ttlAttribute, '<=', Date.now() / 1000)}`,
    );
  }
  if (overQueued) clauses.push(`(${queuedAsEnqueued(u, job.enqueuedAt)})`);
  try {
    // A low-level command, as for every job write (see attribute-values.ts).
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: toAttributeValues(toItem(job)),
        ConditionExpression: clauses.join(' OR '),
        ExpressionAttributeNames: u.names,
        ExpressionAttributeValues: toAttributeValues(u.values),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw translateSizeError(error, job);
  }
}

/**
 * `isQueuedAsEnqueued` as a condition: the enqueue time tells this enqueue's record from a requeued one (a
 * requeue stamps its own), whose history a put would lose; a limit note is the one field a worker adds to a
 * queued record.
 */
function queuedAsEnqueued(u: UpdateExpression, enqueuedAt: number): string {
  return [
    u.compare('status', '=', JobStatus.queued),
    u.compare('enqueuedAt', '=', enqueuedAt),
    `attribute_not_exists(${u.name('limited')})`,
  ].join(' AND ');
}

/**
 * Starts the first attempt, or the next one of a retrying job. A job with no record yet (lean tracking,
 * a lost or late producer write) gets its record created, unless `createMissing` is false.
 */
export async function claimJob(table: JobTable, request: ClaimRequest): Promise<ClaimResult> {
  const { envelope } = request;
  const createMissing = request.createMissing ?? true;
  const first = firstClaimWrite(request);
  if (first?.kind === 'put') {
    // The running record put whole: one write with no update expression to evaluate and nothing to send
    // back. It creates the record of a job its producer wrote none for (lean tracking, or a producer's put
    // not landed yet), or replaces the queued record the producer wrote (`plainRecord`). Any other record
    // (a message sent again, a requeued job) fails the condition, and the claim below runs as for any job.
    const job = startedRecordOf(request);
    if (await putJob(table, job, first)) return { claimed: true, job };
  } else if (first?.kind === 'asEnqueued') {
    const claimed = await claimAsEnqueued(table, request);
    if (claimed) return claimed;
  }
  // Any other job's record is there but for a lost or late producer write, so the claim first updates the
  // record it expects, sending only what a claim changes (an update that could also create the record
  // would carry everything the record holds, as if-missing clauses each write evaluates).
  const claimed = await claimExisting(table, request, createMissing ? 'absent' : 'read');
  if (claimed || !createMissing) return claimed ?? notFound(envelope.id);
  // No record: the claim creates the running record whole, as for a lean job. When the producer's write
  // lands between the two, its record is claimed instead.
  const job = startedRecordOf(request);
  if (await putNewJob(table, job)) return { claimed: true, job };
  return (await claimExisting(table, request, 'read')) ?? notFound(envelope.id);
}

/**
 * The claim of the queued record `request`'s envelope describes (`plainRecord`), while it is still that
 * record (`isQueuedAsEnqueued`): the running record is then what the put of `startedRecordOf` would
 * write, so the update sets its fields outright (no `if_not_exists`, no increment) and returns nothing.
 * Undefined when the record is another, or none.
 */
async function claimAsEnqueued(table: JobTable, request: ClaimRequest): Promise<ClaimResult | undefined> {
  const job = startedRecordOf(request);
  const u = new UpdateExpression()
    .set('startedAt', request.now)
    .set('attempts', 1)
    // As the put would: the record the worker holds is the one stored (the producer's task may allow
    // another number of attempts, in a deployment under way).
    .set('maxAttempts', request.maxAttempts)
    .set('workerId', request.workerId)
    .set('heartbeatAt', request.now)
    .set('leaseExpiresAt', request.leaseExpiresAt)
    .set('leaseToken', request.token)
    .appendExisting('history', job.history.slice(-1))
    .setLast('status', JobStatus.running);
  try {
    await updateJob(table, request.envelope.id, u, queuedAsEnqueued(u, job.enqueuedAt), 'NONE');
    return { claimed: true, job };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** The claim of a job's existing record; undefined when there is none (see `claimUpdate` for `unreturned`). */
async function claimExisting(
  table: JobTable,
  request: ClaimRequest,
  unreturned: Unreturned,
): Promise<ClaimResult | undefined> {
  const { envelope } = request;
  const running = withoutAttempt(statusEvent(JobStatus.running, request.now, 0, request.workerId));
  const u = new UpdateExpression()
    .setIfMissing('startedAt', request.now)
    .increment('attempts')
    .setLast('status', JobStatus.running)
    .set('workerId', request.workerId)
    .set('heartbeatAt', request.now)
    .set('leaseExpiresAt', request.leaseExpiresAt)
    .set('leaseToken', request.token)
    .appendExisting('history', [running])
    .remove('nextAttemptAt');
  // Leaves the retrying or scheduled entry of the attention index (free for a queued job: none).
  enterStatus(u, JobStatus.running, envelope.id);
  if (envelope.schedule) u.setIfMissing('schedule', envelope.schedule.name);
  if (envelope.argsRef) u.setIfMissing('argsRef', envelope.argsRef);
  if (envelope.priority) u.setIfMissing('priority', envelope.priority);
  return claimUpdate(table, envelope.id, u, unstartedCondition(u, false), unreturned);
}

function notFound(id: string): never {
  throw new JobNotFoundError(id);
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
    .appendExisting('history', [
      lost.event,
      statusEvent(JobStatus.running, request.now, lostAttempt + 1, request.workerId),
    ]);
  const condition = [
    u.compare('status', '=', JobStatus.running),
    u.compare('attempts', '=', lostAttempt),
    u.compare('leaseExpiresAt', '<', request.now),
  ].join(' AND ');
  return (
    (await claimUpdate(table, request.envelope.id, u, condition, 'read')) ?? notFound(request.envelope.id)
  );
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

/**
 * What a failed condition that returned no item means: DynamoDB returns the item whenever there is one,
 * so `absent` takes it at its word, when the caller's next write copes with a record after all (some
 * emulators never return it); `read` reads the record.
 */
type Unreturned = 'absent' | 'read';

/** The claim's update; undefined when the job has no record. */
async function claimUpdate(
  table: JobTable,
  id: string,
  u: UpdateExpression,
  condition: string,
  unreturned: Unreturned,
): Promise<ClaimResult | undefined> {
  try {
    const output = await updateJob(table, id, u, condition, 'ALL_NEW');
    return { claimed: true, job: fromItem(output ?? {}) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    if (!error.Item && unreturned === 'absent') return undefined;
    const current = await jobAsItStood(table, id, error);
    return current && { claimed: false, job: current };
  }
}
