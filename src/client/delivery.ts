/**
 * How `enqueue` gets a job's message to the queue: at once, held by the queue (a delay up to 15 minutes),
 * or held by the backend's delay scheduler (longer delays), to the queue of the job's priority. Kept out of
 * the client so the client only says what it wants.
 */

import { type DelayPlan, maxQueueDelaySeconds } from '../core/delay.js';
import type { RecordWriter } from '../core/envelope.js';
import { ConfigError } from '../core/errors.js';
import type { JobRecord } from '../core/job.js';
import type { Backend } from '../core/ports.js';
import { Priority } from '../core/priority.js';
import { PriorityTransport } from '../core/priority-transport.js';
import { envelopeOfJob } from './enqueue-jobs.js';

/**
 * Throws {@link ConfigError} when the backend cannot deliver a job of `priority` with `plan`: a delay past
 * 15 minutes with no delay scheduler, or a priority other than `normal` with no priority queues.
 */
export function checkDelivery(backend: Backend, plan: DelayPlan, priority: Priority): void {
  if (plan.kind === 'scheduler' && !backend.delays) {
    throw new ConfigError(
      'A delay longer than 900 seconds needs a delay scheduler: give `awsBackend` its `scheduler` option ({ roleArn, groupName }) or set LONGHAUL_SCHEDULER_ROLE_ARN (the LonghaulQueue construct does); the memory backend has one built in',
      { context: { runAt: plan.runAt } },
    );
  }
  if (priority !== Priority.normal && !(backend.transport instanceof PriorityTransport)) {
    throw new ConfigError(
      `Priority "${priority}" needs a backend with priority queues: \`memoryBackend({ priorities: true })\`, or \`awsBackend\` with \`priorityQueueUrls\` (LONGHAUL_QUEUE_URL_HIGH and LONGHAUL_QUEUE_URL_LOW; the construct's \`priorities: true\` creates them)`,
      { context: { priority } },
    );
  }
}

/**
 * The message body of a job: its envelope (with its priority, workflow and offloaded arguments, and
 * who writes its record).
 */
export function envelopeOf(job: JobRecord, record: RecordWriter = 'producer'): string {
  return envelopeOfJob(job, record);
}

/**
 * Sends the messages of `jobs` (at most 10: one SendMessageBatch) as `plan` says. A scheduled delivery is
 * one schedule per job. `record` says who writes the jobs' records (see `RecordWriter`).
 */
export async function deliver(
  backend: Backend,
  jobs: readonly JobRecord[],
  plan: DelayPlan,
  record: RecordWriter = 'producer',
): Promise<void> {
  if (plan.kind === 'scheduler') {
    const delays = backend.delays;
    if (!delays) throw new ConfigError('This backend has no delay scheduler');
    await Promise.all(jobs.map((job) => delays.schedule(job.id, plan.runAt, envelopeOf(job, record))));
    return;
  }
  const delaySeconds = plan.kind === 'queue' ? plan.delaySeconds : 0;
  await backend.transport.send(
    jobs.map((job) => ({
      body: envelopeOf(job, record),
      ...(delaySeconds ? { delaySeconds } : {}),
      // The record's trace context: a job's origin even when an operator's `retry` sends it again.
      ...(job.trace ? { trace: job.trace } : {}),
    })),
  );
}

/**
 * Drops the pending send of a cancelled job that waited for the delay scheduler. Best effort: if the
 * message arrives anyway (the schedule fired meanwhile, or the delete failed), the worker's claim finds
 * the job cancelled and deletes the message, so a failure here changes nothing for the job.
 */
export async function cancelDelivery(backend: Backend, job: JobRecord): Promise<void> {
  if (job.runAt === undefined || !backend.delays) return;
  // Only a delay past the queue's limit has a pending schedule (`enqueue` stamps `enqueuedAt` with the
  // time it planned the wait from); a shorter one's message is already in the queue.
  if (job.runAt - job.enqueuedAt <= maxQueueDelaySeconds * 1000) return;
  await backend.delays.cancel(job.id).catch(() => false);
}
