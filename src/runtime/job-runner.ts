import type { QueueMessage } from '../core/ports.js';
import { type Admitted, admitMessage } from './admit-message.js';
import { traceAttempt } from './attempt-span.js';
import { claimJob } from './claim-job.js';
import type { Disposition, ProcessingEnd } from './disposition.js';
import type { JobRunnerOptions } from './job-runner-options.js';
import { runAttempt } from './run-attempt.js';
import { RunnerParts } from './runner-parts.js';
import type { Permit } from './task-limiter.js';

export type { Disposition } from './disposition.js';
export type { JobRunnerOptions } from './job-runner-options.js';

/** The parts of a runner, for {@link processInto}. */
let partsOf: (runner: JobRunner) => RunnerParts;

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
    return new Promise<Disposition>((resolve, reject) => {
      void processMessage(this.#parts, message, stopSignal, { ended: resolve, failed: reject });
    });
  }

  static {
    partsOf = (runner) => runner.#parts;
  }
}

/**
 * Processes `message` as {@link JobRunner.process} does, telling `end` how it ended instead of answering
 * a promise: what the long-running worker runs its jobs with, so that while a job runs nothing waits on
 * a promise for it (a promise and the reaction on it for each step it went through, with their closures,
 * were most of a running job's heap).
 */
export function processInto(
  runner: JobRunner,
  message: QueueMessage,
  stopSignal: AbortSignal | undefined,
  end: ProcessingEnd,
): void {
  void processMessage(partsOf(runner), message, stopSignal, end);
}

/**
 * Admission and the claim, awaited; then the attempt is started and this function is done: the attempt
 * tells `end` (through the task's concurrency slot, if it holds one) once the outcome is recorded. Never
 * rejects: every failure goes to `end`, once.
 */
async function processMessage(
  parts: RunnerParts,
  message: QueueMessage,
  stopSignal: AbortSignal | undefined,
  end: ProcessingEnd,
): Promise<void> {
  let admitted: Admitted | Disposition;
  try {
    admitted = await admitMessage(parts, message, stopSignal);
  } catch (error) {
    end.failed(error);
    return;
  }
  if (!('envelope' in admitted)) {
    end.ended(admitted);
    return;
  }
  const { receivedAt, envelope, task, args, permit } = admitted;
  // The task's concurrency slot is held until its job settled.
  const ending = permit ? new ReleasingPermit(permit, end) : end;
  let claim: Awaited<ReturnType<typeof claimJob>>;
  try {
    claim = await claimJob(parts, message, receivedAt, envelope, task);
  } catch (error) {
    ending.failed(error);
    return;
  }
  if (!('job' in claim)) {
    ending.ended(claim);
    return;
  }
  const job = claim.job;
  let started = false;
  try {
    traceAttempt(parts.options.transport, message, job, ending, (span, attemptEnd) => {
      started = true;
      runAttempt(
        parts,
        message,
        receivedAt,
        task,
        args,
        job,
        stopSignal,
        envelope.workflow,
        permit,
        span,
        attemptEnd,
      );
    });
  } catch (error) {
    // Tracing failed before the attempt began; once begun, the attempt answers for itself.
    if (!started) ending.failed(error);
  }
}

/** Releases the task's concurrency slot, then passes the end on (or the release's failure, if it fails). */
class ReleasingPermit implements ProcessingEnd {
  readonly #permit: Permit;
  readonly #end: ProcessingEnd;

  constructor(permit: Permit, end: ProcessingEnd) {
    this.#permit = permit;
    this.#end = end;
  }

  ended(disposition: Disposition): void {
    this.#permit.release().then(
      () => this.#end.ended(disposition),
      (error: unknown) => this.#end.failed(error),
    );
  }

  failed(error: unknown): void {
    this.#permit.release().then(
      () => this.#end.failed(error),
      (releaseError: unknown) => this.#end.failed(releaseError),
    );
  }
}
