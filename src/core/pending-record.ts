/**
 * The rule that lets `enqueueMany` write job records with unconditional batch writes (DynamoDB
 * `BatchWriteItem` has no conditions) without ever overwriting a worker's claim.
 *
 * The message still goes first, so there is never a record without a message. A message whose envelope
 * says `pendingRecord` has its record written by the producer within {@link pendingRecordWriteMs} of the
 * send starting: the producer aborts its batch writes at that bound. A worker that finds such a job's
 * record missing does not create it (as it does for other messages) while the message is younger than
 * {@link pendingRecordWaitMs}: it hands the message back for a short while and claims the record once
 * the producer wrote it. After that wait no producer write can still land, so the worker creates the
 * record as for any other message (the producer crashed, or gave up at the bound). The gap between the
 * two bounds covers clock skew between the worker and the queue's send time, and a request that was in
 * flight when the producer aborted it.
 */

/** How long after a batch's send started the producer may still write its records. */
export const pendingRecordWriteMs = 20_000;

/** How old (since its send) a `pendingRecord` message must be before a worker creates its missing record. */
export const pendingRecordWaitMs = 60_000;

/** The first hand-back of a message whose record is not written yet: the producer is usually done by then. */
export const pendingRecordFirstRetrySeconds = 2;

/** Whether a worker may create the record of the job in this message if it is missing. */
export function mayCreateRecord(
  envelope: { readonly pendingRecord?: true },
  sentAt: number,
  now: number,
): boolean {
  return envelope.pendingRecord !== true || now - sentAt >= pendingRecordWaitMs;
}

/**
 * How long to hide a message whose pending record is missing: a short while on its first delivery, then
 * until the wait is over (when the worker creates the record itself), so a crashed producer costs at most
 * a couple of extra receives.
 */
export function pendingRecordRetrySeconds(sentAt: number, now: number, receiveCount: number): number {
  const untilCreate = Math.ceil((sentAt + pendingRecordWaitMs - now) / 1000);
  const seconds = receiveCount <= 1 ? Math.min(pendingRecordFirstRetrySeconds, untilCreate) : untilCreate;
  return Math.max(1, seconds);
}
