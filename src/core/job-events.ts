import type { JobRecord, JobStatus } from './job.js';
import type { Logger } from './logger.js';
import type { EventPublisher, JobStateChange } from './ports.js';

/** The state change a job record shows: its status now, the one before it in its history. */
export function stateChangeOf(job: JobRecord, previousStatus?: JobStatus): JobStateChange {
  const last = job.history[job.history.length - 1];
  const previous = previousStatus ?? job.history[job.history.length - 2]?.status;
  const workflowId = job.workflow?.id;
  return {
    jobId: job.id,
    task: job.task,
    status: job.status,
    ...(previous !== undefined ? { previousStatus: previous } : {}),
    attempt: job.attempts,
    ...(job.error && job.status !== 'succeeded' && job.status !== 'queued'
      ? { error: { code: job.error.code, message: job.error.message } }
      : {}),
    at: last?.at ?? Date.now(),
    ...(workflowId ? { workflowId } : {}),
  };
}

/**
 * Publishes changes when a publisher is configured. A failure is logged and swallowed: an event is a
 * notification about a job, never a reason to fail it.
 */
export async function publishChanges(
  events: EventPublisher | undefined,
  changes: readonly JobStateChange[],
  logger: Logger,
): Promise<void> {
  if (!events || changes.length === 0) return;
  try {
    await events.publish(changes);
  } catch (error) {
    logger.warn('could not publish job state changes', {
      jobIds: changes.map((c) => c.jobId).slice(0, 10),
      error: String(error),
    });
  }
}
