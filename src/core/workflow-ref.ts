/**
 * Where a job stands in its workflow: the continuation carried in each job's envelope and on its record.
 * Kept apart from the workflow model so the job model and the envelope can name it without the rest.
 */
import { jobIdProblem } from './job-id.js';

/** A task the workflow will enqueue later, with the retry budget its producer knew. */
export interface PendingStep {
  readonly task: string;
  readonly maxAttempts: number;
}

/** Where a job stands in its workflow. Carried in the envelope and on the job record. */
export type WorkflowRef =
  | {
      readonly kind: 'chain';
      readonly id: string;
      /** 0 for the first step. */
      readonly step: number;
      /** The steps after this one, in order: the next one gets this job's result as its arguments. */
      readonly next: readonly PendingStep[];
    }
  | {
      readonly kind: 'group';
      readonly id: string;
      /** This member's position: its result's position in the callback's arguments. */
      readonly index: number;
      readonly size: number;
      /** Enqueued once every member succeeded, with their results in member order. */
      readonly callback?: PendingStep;
    }
  | {
      /** The callback of group `id`: it ends the workflow. */
      readonly kind: 'callback';
      readonly id: string;
    };

/** Longest workflow id: its jobs' ids add a `:<index>` or `:callback` suffix and must stay within 128. */
export const maxWorkflowIdLength = 100;
/** Most steps of a chain and members of a group: each is a job id suffix and an entry in one record. */
export const maxWorkflowSteps = 1_000;

/** Checks the shape of an envelope's `workflow` field. */
export function isWorkflowRef(value: unknown): value is WorkflowRef {
  if (typeof value !== 'object' || value === null) return false;
  const ref = value as Record<string, unknown>;
  // Its jobs' ids are made of it: the same rules as a job id's.
  if (jobIdProblem(ref.id, maxWorkflowIdLength) !== undefined) return false;
  const index = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) < maxWorkflowSteps;
  switch (ref.kind) {
    case 'chain':
      return index(ref.step) && Array.isArray(ref.next) && ref.next.every(isPendingStep);
    case 'group':
      return (
        index(ref.index) &&
        Number.isInteger(ref.size) &&
        (ref.size as number) > (ref.index as number) &&
        (ref.size as number) <= maxWorkflowSteps &&
        (ref.callback === undefined || isPendingStep(ref.callback))
      );
    case 'callback':
      return true;
    default:
      return false;
  }
}

function isPendingStep(value: unknown): value is PendingStep {
  if (typeof value !== 'object' || value === null) return false;
  const { task, maxAttempts } = value as Record<string, unknown>;
  return (
    typeof task === 'string' &&
    task.length > 0 &&
    task.length <= 128 &&
    Number.isInteger(maxAttempts) &&
    (maxAttempts as number) >= 1
  );
}
