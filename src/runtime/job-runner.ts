import type { QueueMessage } from '../core/ports.js';
import { admitMessage, type RunAdmitted } from './admit-message.js';
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
   */
  process(message: QueueMessage, stopSignal?: AbortSignal): Promise<Disposition> {
    return admitMessage(this.#parts, message, stopSignal, this.#claimAndRun);
  }

  /** Claims an admitted job and runs its attempt; built once, so admission can call it for every job. */
  readonly #claimAndRun: RunAdmitted = async (
    message,
    receivedAt,
    envelope,
    task,
    args,
    stopSignal,
    permit,
  ) => {
    const claim = await claimJob(this.#parts, message, receivedAt, envelope, task);
    if (!('job' in claim)) return claim;
    return traceAttempt(this.#parts.options.transport, message, claim.job, (span) =>
      runAttempt(
        this.#parts,
        message,
        receivedAt,
        task,
        args,
        claim.job,
        stopSignal,
        envelope.workflow,
        permit,
        span,
      ),
    );
  };
}
