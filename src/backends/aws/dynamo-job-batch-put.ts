/**
 * `enqueueMany`'s record writes: unconditional `BatchWriteItem` puts, 25 items per request and several
 * requests in flight, with the items DynamoDB leaves unprocessed (throttling, partition limits) tried
 * again with jittered exponential back-off. Safe without a condition only under the rule in
 * `src/core/pending-record.ts`: no worker creates these records while the producer may still write them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { JobRecord } from '../../core/job.js';
import { jobTable } from '../../core/names.js';
import type { NewJobsPut } from '../../core/ports.js';
import { toItem, translateSizeError } from './dynamo-job-item.js';
import type { JobTable } from './dynamo-job-table.js';

/** DynamoDB's limit of items per `BatchWriteItem`. */
const itemsPerRequest = 25;
/** Requests in flight at once: enough to hide the round trip, few enough not to burst a fresh table. */
const requestsInFlight = 8;
/** First back-off before unprocessed items go again; doubles each time, with full jitter. */
const firstBackoffMs = 25;
const maxBackoffMs = 2_000;

/** Puts `jobs`' records with no condition; stops when `signal` aborts or a request fails (see `JobStore.putNew`). */
export async function putNewJobs(
  table: JobTable,
  jobs: readonly JobRecord[],
  signal: AbortSignal,
): Promise<NewJobsPut> {
  const written: string[] = [];
  let error: unknown;
  const chunks: JobRecord[][] = [];
  for (let i = 0; i < jobs.length; i += itemsPerRequest) chunks.push(jobs.slice(i, i + itemsPerRequest));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(requestsInFlight, chunks.length) }, async () => {
      for (let i = next++; i < chunks.length && error === undefined; i = next++) {
        try {
          await putChunk(table, chunks[i] as JobRecord[], signal, written);
        } catch (cause) {
          // An abort surfaces as the SDK's or the timer's AbortError: report why it was aborted instead.
          error ??= signal.aborted ? signal.reason : cause;
        }
      }
    }),
  );
  return error === undefined ? { written } : { written, error };
}

/** One chunk of at most 25, its unprocessed items retried until none are left; adds the ids written to `written`. */
async function putChunk(
  table: JobTable,
  chunk: readonly JobRecord[],
  signal: AbortSignal,
  written: string[],
): Promise<void> {
  let pending = chunk;
  for (let tries = 0; ; tries++) {
    signal.throwIfAborted();
    let left: Set<string>;
    try {
      const output = await table.client.send(
        new BatchWriteCommand({
          RequestItems: { [table.tableName]: pending.map((job) => ({ PutRequest: { Item: toItem(job) } })) },
        }),
        { abortSignal: signal },
      );
      const unprocessed = output.UnprocessedItems?.[table.tableName] ?? [];
      left = new Set(unprocessed.map((request) => String(request.PutRequest?.Item?.[jobTable.partitionKey])));
    } catch (cause) {
      throw translateSizeError(cause, pending[0]);
    }
    for (const job of pending) if (!left.has(job.id)) written.push(job.id);
    pending = pending.filter((job) => left.has(job.id));
    if (pending.length === 0) return;
    const ceiling = Math.min(maxBackoffMs, firstBackoffMs * 2 ** tries);
    await sleep(Math.random() * ceiling, undefined, { signal });
  }
}
