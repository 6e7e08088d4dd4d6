/**
 * The writes of a running attempt: heartbeats (with progress, logs and the handoff), the handoff's
 * delivery, and the attempt's end (succeeded, failed or retrying). Those of the attempt's own worker are
 * fenced by status, attempt number and lease token, so a worker whose attempt was taken over can no
 * longer write.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { JobCancelledError, LockLostError } from '../../core/errors.js';
import type { HandoffDelivery } from '../../core/handoff.js';
import { type JobRecord, JobStatus } from '../../core/job.js';
import { jobTable } from '../../core/names.js';
import type { Completion, Fence, JobTouch } from '../../core/ports.js';
import { completedRecord, completionEvent } from '../../core/transitions.js';
import { fromItem, storesCompletionEvent, ttlSeconds } from './dynamo-job-item.js';
import { type JobTable, jobAsItStood, updateJob } from './dynamo-job-table.js';
import { enterStatus, markLongRunning } from './job-index.js';
import { UpdateExpression } from './update-expression.js';

/** A heartbeat of the attempt under `fence`; resolves with the job as it now stands. */
export async function touchJob(
  table: JobTable,
  id: string,
  fence: Fence,
  touch: JobTouch,
): Promise<JobRecord> {
  const u = new UpdateExpression().set('heartbeatAt', touch.at);
  if (touch.leaseExpiresAt !== undefined) {
    u.set('leaseExpiresAt', touch.leaseExpiresAt);
    // The attempt outlived its first lease: list it as long-running, in the write it makes anyway.
    markLongRunning(u, id);
  }
  if (touch.progress !== undefined) u.set('progress', touch.progress);
  if (touch.handoff) u.set('handoff', touch.handoff);
  else if (touch.handoff === null) u.remove('handoff');
  u.append('logs', touch.logs ?? []);
  // ALL_NEW costs no read capacity: the heartbeat learns of a cancel request or a delivery for free.
  return fromItem((await fencedUpdate(table, id, fence, u, undefined, 'ALL_NEW')) ?? {});
}

/** Gives a running job's handoff its delivery; false when the job no longer runs or has no handoff. */
export async function registerJobHandoff(
  table: JobTable,
  id: string,
  delivery: HandoffDelivery,
): Promise<boolean> {
  const u = new UpdateExpression().setPath(['handoff', 'delivery'], delivery);
  const condition = `${u.compare('status', '=', JobStatus.running)} AND attribute_exists(${u.name('handoff')})`;
  try {
    await updateJob(table, id, u, condition, 'NONE');
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Ends the attempt under `fence`; resolves with the job as it now stands. Given the record as the worker
 * last saw it (`known`), the write returns nothing (`ReturnValues: NONE`: no item to send back, parse and
 * unmarshall) and the record is `known` with the completion applied.
 */
export async function completeJob(
  table: JobTable,
  id: string,
  fence: Fence,
  completion: Completion,
  known?: JobRecord,
): Promise<JobRecord> {
  const u = new UpdateExpression()
    .setLast('status', completion.status)
    .append('logs', completion.logs)
    .remove('leaseExpiresAt', 'leaseToken', 'handoff');
  // A claimed job's item has its history: no `if_not_exists` for the emulators to parse and evaluate.
  if (storesCompletionEvent(completion)) u.appendExisting('history', [completionEvent(completion, fence)]);
  enterStatus(u, completion.status, id);
  if (completion.interrupted) {
    u.increment('interruptions');
    // The attempt is given back: the next claim's increment starts the same attempt number again.
    if (completion.status === 'retrying') u.set('attempts', fence.attempt - 1);
  }
  if (completion.progress) u.set('progress', completion.progress);
  if (completion.expiresAt !== undefined && completion.status !== 'retrying') {
    u.set(jobTable.ttlAttribute, ttlSeconds(completion.expiresAt));
  }
  if (completion.status === 'succeeded') {
    u.set('result', completion.result).set('finishedAt', completion.at);
    // Only an earlier attempt leaves an error, and the attempt's record shows it: any write that sets one
    // meanwhile also takes the token, so this write would fail anyway. One clause fewer for most jobs.
    if (!known || known.error !== undefined) u.remove('error');
    if (completion.resultRef) u.set('resultRef', completion.resultRef);
  } else if (completion.status === 'retrying') {
    u.set('error', completion.error).set('nextAttemptAt', completion.nextAttemptAt);
  } else {
    u.set('error', completion.error)
      .set('finishedAt', completion.at)
      .set('deadLettered', completion.deadLettered);
  }
  // A cancel requested while the attempt was failing must not be lost to a retry.
  const notCancelled =
    completion.status === 'retrying' ? `attribute_not_exists(${u.name('cancelRequestedAt')})` : undefined;
  if (known) {
    await fencedUpdate(table, id, fence, u, notCancelled, 'NONE');
    const record = completedRecord(known, fence, completion);
    // As a read gives it back: the TTL attribute holds whole seconds.
    return record.expiresAt === undefined || completion.status === 'retrying'
      ? record
      : { ...record, expiresAt: ttlSeconds(record.expiresAt) * 1000 };
  }
  return fromItem((await fencedUpdate(table, id, fence, u, notCancelled, 'ALL_NEW')) ?? {});
}

/**
 * An update of the attempt under `fence`. With `unlessCancelled` (a condition that fails once a cancel
 * was requested), a failure of that condition alone throws `JobCancelledError` instead of lock lost.
 *
 * The condition is the lease token alone. A token is a fresh UUID per claim, and every write that ends a
 * running attempt (its completion, the rejection of a lost attempt) removes it and every write that
 * starts one (a claim, a take-over) replaces it, so an item holding the attempt's token is running that
 * attempt: `status = running AND attempts = n` would only make the emulators parse and check two more
 * clauses per write (a contract test in test/contract/store.test.ts checks each of those writes).
 */
async function fencedUpdate(
  table: JobTable,
  id: string,
  fence: Fence,
  u: UpdateExpression,
  unlessCancelled: string | undefined,
  returnValues: 'ALL_NEW' | 'NONE',
): Promise<Record<string, unknown> | undefined> {
  const fenced = u.compare('leaseToken', '=', fence.token);
  const condition = unlessCancelled ? `${fenced} AND ${unlessCancelled}` : fenced;
  try {
    return await updateJob(table, id, u, condition, returnValues);
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    if (unlessCancelled) {
      const current = await jobAsItStood(table, id, error);
      if (
        current?.status === JobStatus.running &&
        current.attempts === fence.attempt &&
        current.leaseToken === fence.token &&
        current.cancelRequestedAt !== undefined
      ) {
        throw new JobCancelledError(id);
      }
    }
    throw new LockLostError(id, fence.attempt);
  }
}
