/**
 * The schedule a job ran for, as its envelope carries it: kept apart from the schedule definitions so
 * the envelope can name it while schedules build envelopes.
 */

/** What a run does when the schedule's previous run is still queued or running. */
export const OverlapPolicy = {
  /** Run anyway: runs may overlap. */
  allow: 'allow',
  /** End the new run as `cancelled` with a `schedule_overlap` error, without running the task. */
  skip: 'skip',
} as const;
/** One of the policies in {@link OverlapPolicy}. */
export type OverlapPolicy = (typeof OverlapPolicy)[keyof typeof OverlapPolicy];

/** The schedule a job ran for, carried in its envelope and recorded on the job. */
export interface ScheduleRef {
  readonly name: string;
  readonly overlap: OverlapPolicy;
}
