/**
 * Workflows: chains (each step's result is the next step's arguments) and groups (members fan out, an
 * optional callback fans in on their results). The continuation travels in each job's envelope, so a
 * worker acts on a finished job without reading anything first; the workflow's own record only lists
 * its jobs (for `getWorkflow`) and, for a group, counts the members that succeeded.
 */
import type { JobStatus } from './job.js';

/** The kinds of workflow. */
export const WorkflowKind = { chain: 'chain', group: 'group' } as const;
/** One of the kinds in {@link WorkflowKind}. */
export type WorkflowKind = (typeof WorkflowKind)[keyof typeof WorkflowKind];

/** A workflow as stored: which jobs it is made of. Statuses are read from the jobs themselves. */
export interface WorkflowRecord {
  readonly id: string;
  readonly kind: WorkflowKind;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** A chain's steps in order, or a group's members. */
  readonly steps: readonly { readonly task: string; readonly jobId: string }[];
  readonly callback?: { readonly task: string; readonly jobId: string };
  /** Epoch milliseconds after which the record counts as deleted (set when its jobs end). */
  readonly expiresAt?: number;
}

/** A workflow's overall status: `running` until it ends, then `succeeded` or `failed`. */
export type WorkflowStatus = 'running' | 'succeeded' | 'failed';

/** One job of a workflow, as `getWorkflow` shows it. `pending`: not enqueued yet (a later chain step). */
export interface WorkflowJobState {
  readonly task: string;
  readonly jobId: string;
  readonly status: JobStatus | 'pending';
}

/** What `getWorkflow` returns. */
export interface WorkflowState {
  readonly id: string;
  readonly kind: WorkflowKind;
  readonly status: WorkflowStatus;
  readonly createdAt: number;
  /** Steps or members that succeeded. */
  readonly done: number;
  readonly total: number;
  readonly steps: readonly WorkflowJobState[];
  readonly callback?: WorkflowJobState;
}

/** The deterministic job ids of a workflow, so a redelivery or a second finisher enqueues nothing twice. */
export const workflowJobId = {
  step: (workflowId: string, index: number): string => `${workflowId}:${index}`,
  callback: (workflowId: string): string => `${workflowId}:callback`,
} as const;

/** Derives a workflow's state from its record and the statuses of its jobs (by job id). */
export function workflowState(
  record: WorkflowRecord,
  statuses: ReadonlyMap<string, JobStatus>,
): WorkflowState {
  const stateOf = (job: { task: string; jobId: string }): WorkflowJobState => ({
    task: job.task,
    jobId: job.jobId,
    status: statuses.get(job.jobId) ?? 'pending',
  });
  const steps = record.steps.map(stateOf);
  const callback = record.callback ? stateOf(record.callback) : undefined;
  const done = steps.filter((s) => s.status === 'succeeded').length;
  const failed = steps.some((s) => s.status === 'failed' || s.status === 'cancelled');
  let status: WorkflowStatus;
  if (record.kind === 'chain') {
    // A chain stops at its first step that does not succeed.
    status = failed ? 'failed' : done === steps.length ? 'succeeded' : 'running';
  } else {
    const membersFinal = steps.every((s) => s.status !== 'pending' && isEnded(s.status));
    if (failed && membersFinal) status = 'failed';
    else if (!membersFinal) status = 'running';
    else if (!callback) status = 'succeeded';
    else if (callback.status === 'succeeded') status = 'succeeded';
    else if (callback.status === 'failed' || callback.status === 'cancelled') status = 'failed';
    else status = 'running';
  }
  return {
    id: record.id,
    kind: record.kind,
    status,
    createdAt: record.createdAt,
    done,
    total: steps.length,
    steps,
    ...(callback ? { callback } : {}),
  };
}

function isEnded(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}
