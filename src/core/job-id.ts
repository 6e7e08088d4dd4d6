/**
 * The rules of a job id: what `enqueue({ jobId })`, a workflow's id and a message's `id` must follow. Ids
 * are the job table's partition key, beside Longhaul's own items, whose keys all begin with
 * `jobTable.reservedKeyPrefix`; an id that began with it could land on a limit's counter or a key's hold.
 */
import { InvalidJobIdError, type JobIdRule } from './errors.js';
import { isWellFormedUtf16 } from './json-args.js';
import { jobTable } from './names.js';

/** The longest job id (a DynamoDB partition key can hold far more; this keeps records and logs small). */
export const maxJobIdChars = 128;

/** Which rule `id` breaks, if any. */
export function jobIdProblem(id: unknown, maxChars = maxJobIdChars): JobIdRule | undefined {
  if (typeof id !== 'string' || id.length === 0 || id.length > maxChars) return 'length';
  if (id.startsWith(jobTable.reservedKeyPrefix)) return 'reserved-prefix';
  // A lone surrogate in a key is stored mangled or refused, depending on the store.
  if (!isWellFormedUtf16(id)) return 'utf16';
  return undefined;
}

/** Throws {@link InvalidJobIdError} naming the rule `id` breaks; `what` names the option. */
export function checkJobId(id: unknown, what = 'jobId', maxChars = maxJobIdChars): asserts id is string {
  const problem = jobIdProblem(id, maxChars);
  if (problem) throw new InvalidJobIdError(what, id, problem, maxChars);
}
