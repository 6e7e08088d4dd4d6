/**
 * Enqueueing as the client and the runner (which enqueues a workflow's next jobs) both do it: the
 * messages first, then the records, so a record always has a message or was written by the worker that
 * claimed it.
 */
import { encodeEnvelope, type RecordWriter } from '../core/envelope.js';
import { JobConflictError } from '../core/errors.js';
import type { JobRecord } from '../core/job.js';
import type { Transport, WorkerJobStore } from '../core/ports.js';
import { isPlainRecord } from '../core/transitions.js';
import { traceSend } from './trace-spans.js';

/**
 * A job's message body, carrying its workflow continuation and its offloaded arguments' reference, and
 * who writes its record when it is not the producer before the send: `pendingRecord` when an
 * unconditional batch write follows the send, `workerRecord` when the worker creates it. A record the
 * producer writes that the envelope describes whole is marked `plainRecord` (see `isPlainRecord`).
 */
export function envelopeOfJob(job: JobRecord, record: RecordWriter = 'producer'): string {
  return encodeEnvelope({
    id: job.id,
    task: job.task,
    ...(job.argsRef ? { args: undefined, argsRef: job.argsRef } : { args: job.args }),
    enqueuedAt: job.enqueuedAt,
    ...(job.workflow ? { workflow: job.workflow } : {}),
    ...(job.priority && job.priority !== 'normal' ? { priority: job.priority } : {}),
    ...(record === 'producer-after-send' ? { pendingRecord: true } : {}),
    ...(record === 'worker' ? { workerRecord: true } : isPlainRecord(job) ? { plainRecord: true } : {}),
  });
}

/**
 * Sends the jobs' messages in batches of ten, then writes their records up to 16 at a time, in one
 * PRODUCER span: a workflow's next jobs, enqueued while the job before them runs, join its trace. A record
 * that already exists is left as it is (a worker claimed the job first, or an earlier try wrote it).
 * Resolves with the ids whose record this call wrote.
 */
export async function sendAndRecord(
  backend: { readonly transport: Transport; readonly store: WorkerJobStore },
  jobs: readonly JobRecord[],
): Promise<string[]> {
  const task = jobs.every((job) => job.task === jobs[0]?.task) ? jobs[0]?.task : undefined;
  return traceSend(backend.transport, { ...(task ? { task } : {}), count: jobs.length }, (span) => {
    const trace = span.carrier;
    return sendAndRecordTraced(backend, trace ? jobs.map((job) => ({ ...job, trace })) : jobs);
  });
}

async function sendAndRecordTraced(
  backend: { readonly transport: Transport; readonly store: WorkerJobStore },
  jobs: readonly JobRecord[],
): Promise<string[]> {
  for (let i = 0; i < jobs.length; i += 10) {
    await backend.transport.send(
      jobs
        .slice(i, i + 10)
        .map((job) => ({ body: envelopeOfJob(job), ...(job.trace ? { trace: job.trace } : {}) })),
    );
  }
  const written: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(16, jobs.length) }, async () => {
      for (let i = next++; i < jobs.length; i = next++) {
        const job = jobs[i] as JobRecord;
        try {
          await backend.store.create(job);
          written.push(job.id);
        } catch (error) {
          if (!(error instanceof JobConflictError)) throw error;
        }
      }
    }),
  );
  return written;
}
