import type { QueueMessage } from '../core/ports.js';
import { admitMessage } from './admit-message.js';
import { traceAttempt } from './attempt-span.js';
import { claimJob } from './claim-job.js';
import type { Disposition } from './disposition.js';
import type { JobRunnerOptions } from './job-runner-options.js';
import { runAttempt } from './run-attempt.js';
import { RunnerParts } from './runner-parts.js';

export type { Disposition } from './disposition.js';
export type { JobRunnerOptions } from './job-runner-options.js';

/**
 * Takes one delivered message through the job lifecycle: decode, validate, claim, run with heartbeats,
 * record the outcome. Shared by every runtime (long-running worker, Lambda handler), which only apply
 * the returned {@link Disposition} to the message.
 *
 * Each step is its own module: `admit-message` (decode, validate, limits), `claim-job` (the claim and
 * each state a record can be in), `run-attempt` (the task with its signal, timeout and heartbeats) and
 * `record-outcome` (success, retry, failure, dead letter, and the effects that follow).
 */
export class JobRunner {
  readonly #parts: RunnerParts;

  constructor(options: JobRunnerOptions) {
    this.#parts = new RunnerParts(options);
  }

  /**
   * Processes `message`. `stopSignal` aborts a running attempt (worker shutdown past its grace period).
   * Rejects only when the backend itself fails; the message then reappears after its visibility timeout.
   *
   * Admission and the claim are awaited here and the attempt's promise returned: one async function
   * whose answer waits on the attempt's, rather than one per step, each holding resolving functions on
   * the next while the job runs.
   */
  async process(message: QueueMessage, stopSignal?: AbortSignal): Promise<Disposition> {
    const parts = this.#parts;
    const admitted = await admitMessage(parts, message, stopSignal);
    if (!('envelope' in admitted)) return admitted;
    const { receivedAt, envelope, task, args, permit } = admitted;
    try {
      const claim = await claimJob(parts, message, receivedAt, envelope, task);
      if (!('job' in claim)) return claim;
      const job = claim.job;
      const attempt = traceAttempt(parts.options.transport, message, job, (span) =>
        runAttempt(parts, message, receivedAt, task, args, job, stopSignal, envelope.workflow, permit, span),
      );
      // Without a slot to free, nothing waits here for the job: no paused frame held while it runs.
      return permit ? await attempt : attempt;
    } finally {
      // The task's concurrency slot is held until its job settled.
      if (permit) await permit.release();
    }
  }
}
