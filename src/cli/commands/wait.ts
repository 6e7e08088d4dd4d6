/** Waiting for a job to finish, for `enqueue --wait`. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Longhaul } from '../../client/longhaul.js';
import { isFinalStatus, type JobRecord } from '../../core/job.js';

/** Reads the job until it is final; resolves undefined when `signal` aborts or `timeoutMs` passes. */
export async function waitForFinal(
  longhaul: Longhaul,
  id: string,
  options: { signal: AbortSignal; timeoutMs?: number; pollIntervalMs?: number },
): Promise<JobRecord | undefined> {
  const deadline =
    options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
  for (;;) {
    const job = await longhaul.getJob(id);
    if (isFinalStatus(job.status)) return job;
    if (options.signal.aborted || Date.now() >= deadline) return undefined;
    try {
      await sleep(Math.min(options.pollIntervalMs ?? 250, Math.max(0, deadline - Date.now())), undefined, {
        signal: options.signal,
      });
    } catch {
      return undefined;
    }
  }
}
