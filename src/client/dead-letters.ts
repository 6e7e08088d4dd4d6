/**
 * What `Longhaul` does with the dead-letter queue: look at its messages (which job, which error) and
 * move them back to work.
 */
import { decodeEnvelope, salvageFrom } from '../core/envelope.js';
import { MalformedMessageError } from '../core/errors.js';
import { isFinalStatus } from '../core/job.js';
import type { DeadLetterMessage } from '../core/ports.js';
import type { ClientContext } from './client-context.js';
import type { DeadLetter, RedriveOptions, RedriveResult } from './client-types.js';
import { retryJob } from './job-control.js';

/** Up to `limit` dead letters, without taking them; see `Longhaul.deadLetters`. */
export async function peekDeadLetters(
  ctx: ClientContext,
  options: { limit?: number },
): Promise<DeadLetter[]> {
  const limit = options.limit ?? 100;
  const seen = new Map<string, DeadLetter>();
  for (let tries = 0; seen.size < limit && tries < Math.ceil(limit / 10) + 3; tries++) {
    const batch = await ctx.backend.transport.receiveDeadLetters(Math.min(10, limit - seen.size), 0);
    if (batch.length === 0) break;
    let fresh = 0;
    for (const message of batch) {
      if (seen.has(message.messageId)) continue;
      fresh++;
      seen.set(message.messageId, describeDeadLetter(message));
    }
    if (fresh === 0) break;
  }
  return [...seen.values()].slice(0, limit);
}

/** Moves the chosen dead letters back to work; see `Longhaul.redrive`. */
export async function redriveDeadLetters(
  ctx: ClientContext,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const { transport, store } = ctx.backend;
  const redriven: string[] = [];
  let left = 0;
  const total = options.total ?? (await transport.depth()).deadLettered;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const seen = new Set<string>();
  // SQS returns a sample of the queue per receive: stop after a few receives that bring nothing new.
  for (let stale = 0; stale < 3 && redriven.length < limit; ) {
    // Hidden while this redrive works on them, so another redrive does not take them too.
    const batch = await transport.receiveDeadLetters(10, 60);
    const fresh = batch.filter((m) => !seen.has(m.messageId));
    for (const message of batch.filter((m) => seen.has(m.messageId))) {
      await transport.releaseDeadLetter(message);
    }
    if (batch.length === 0) break;
    stale = fresh.length === 0 ? stale + 1 : 0;
    for (const message of fresh) {
      seen.add(message.messageId);
      const letter = describeDeadLetter(message);
      const wanted =
        letter.jobId !== undefined &&
        redriven.length < limit &&
        (options.task === undefined || letter.task === options.task) &&
        (options.jobId === undefined || letter.jobId === options.jobId);
      if (!wanted || letter.jobId === undefined) {
        // Not ours to move: visible again at once for the next look or redrive.
        await transport.releaseDeadLetter(message);
        left++;
        continue;
      }
      const job = await store.get(letter.jobId);
      if (job && !isFinalStatus(job.status)) {
        // The job is alive again (retried meanwhile): this dead letter is a stale copy.
        await transport.discardDeadLetter(message);
      } else if (job) {
        await retryJob(ctx, job.id);
        await transport.discardDeadLetter(message);
      } else {
        // No record (it expired, or was purged): the message itself is the job; send it back.
        await transport.redrive(message);
      }
      redriven.push(letter.jobId);
      options.onProgress?.({ done: redriven.length, total });
    }
  }
  return { redriven, left };
}

/** The job, task and error a dead letter carries, read from its attributes or, failing that, its body. */
function describeDeadLetter(message: DeadLetterMessage): DeadLetter {
  let jobId = message.reason?.jobId;
  let task: string | undefined;
  try {
    const envelope = decodeEnvelope(message.body);
    jobId ??= envelope.id;
    task = envelope.task;
  } catch (error) {
    const salvage = error instanceof MalformedMessageError ? salvageFrom(error) : {};
    jobId ??= salvage.id;
    task = salvage.task;
  }
  return {
    messageId: message.messageId,
    ...(jobId ? { jobId } : {}),
    ...(task ? { task } : {}),
    ...(message.reason ? { code: message.reason.code, message: message.reason.message } : {}),
    sentAt: message.sentAt,
    body: message.body,
  };
}
