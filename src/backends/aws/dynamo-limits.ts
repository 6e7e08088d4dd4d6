/**
 * The job table's non-job items that coordinate jobs: holds (which job holds a schedule or a unique key),
 * concurrency-limit slots and rate-limit window counters. Each check is one conditional write, so it holds
 * across every worker and Lambda invocation. None of these items has a status or task, so none is in an
 * index, a listing, the counts or a purge (and the counts aggregator skips ids starting with `#`).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { jobTable } from '../../core/names.js';
import type { KeyHold, KeyHoldRequest, RateRequest, SlotGrant, SlotRequest } from '../../core/ports.js';
import { taskLimitDefaults } from '../../core/task-limits.js';
import { unmarshallIfRaw } from './dynamo-job-item.js';

/** Slot attributes are `slot:<token>`, holding the lease's expiry; `n` counts them. */
const slotPrefix = 'slot:';

/** Holds, slots and window counters in the job table. */
export class DynamoLimits {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, table: string) {
    this.#client = client;
    this.#table = table;
  }

  /**
   * Makes `jobId` the `holder` of item `id` in one conditional PutItem: it succeeds when the item is
   * missing, or its holder is `jobId` or `replacing`. Otherwise resolves with the item as it stood.
   */
  async hold(
    id: string,
    jobId: string,
    replacing: string | undefined,
    attributes: Record<string, unknown> = {},
  ): Promise<{ held: true } | { held: false; item: Record<string, unknown> }> {
    const holders = [jobId, ...(replacing === undefined ? [] : [replacing])];
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          // Beside the jobs, but without status or task: never in an index, and skipped by scans.
          Item: { ...attributes, [jobTable.partitionKey]: id, holder: jobId },
          ConditionExpression: `attribute_not_exists(#id) OR #holder IN (${holders.map((_, i) => `:h${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#id': jobTable.partitionKey, '#holder': 'holder' },
          ExpressionAttributeValues: Object.fromEntries(holders.map((h, i) => [`:h${i}`, h])),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { held: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { held: false, item: (await this.#oldItem(error, id)) ?? {} };
    }
  }

  async holdKey(request: KeyHoldRequest): Promise<KeyHold> {
    const id = `${jobTable.keyHoldPrefix}${request.task}#${request.key}`;
    const hold = await this.hold(id, request.jobId, request.replacing, {
      heldAt: request.at,
      until: request.until,
      [jobTable.ttlAttribute]: Math.ceil((request.until + taskLimitDefaults.keyHoldRetentionMs) / 1000),
    });
    if (hold.held) return hold;
    return {
      held: false,
      holder: String(hold.item.holder ?? ''),
      heldAt: Number(hold.item.heldAt ?? 0),
      until: Number(hold.item.until ?? 0),
    };
  }

  /** `SET slot = expiry, n = n + 1` if the slot is new and `n < max`. */
  async acquireSlot(request: SlotRequest): Promise<SlotGrant> {
    const id = limitKey(request.limit);
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [jobTable.partitionKey]: id },
          UpdateExpression: 'SET #slot = :lease, #n = if_not_exists(#n, :zero) + :one',
          ConditionExpression: '(attribute_not_exists(#n) OR #n < :max) AND attribute_not_exists(#slot)',
          ExpressionAttributeNames: { '#slot': `${slotPrefix}${request.token}`, '#n': 'n' },
          ExpressionAttributeValues: {
            ':lease': request.leaseExpiresAt,
            ':zero': 0,
            ':one': 1,
            ':max': request.max,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { acquired: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = (await this.#oldItem(error, id)) ?? {};
      const holders = Object.entries(item)
        .filter(([name]) => name.startsWith(slotPrefix))
        .map(([name, lease]) => ({ token: name.slice(slotPrefix.length), leaseExpiresAt: Number(lease) }));
      return { acquired: false, holders };
    }
  }

  async renewSlot(limit: string, token: string, leaseExpiresAt: number): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [jobTable.partitionKey]: limitKey(limit) },
          UpdateExpression: 'SET #slot = :lease',
          ConditionExpression: 'attribute_exists(#slot)',
          ExpressionAttributeNames: { '#slot': `${slotPrefix}${token}` },
          ExpressionAttributeValues: { ':lease': leaseExpiresAt },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseSlot(limit: string, token: string, expiredBefore?: number): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [jobTable.partitionKey]: limitKey(limit) },
          UpdateExpression: 'REMOVE #slot SET #n = #n - :one',
          ConditionExpression:
            expiredBefore === undefined
              ? 'attribute_exists(#slot)'
              : 'attribute_exists(#slot) AND #slot < :before',
          ExpressionAttributeNames: { '#slot': `${slotPrefix}${token}`, '#n': 'n' },
          ExpressionAttributeValues: {
            ':one': 1,
            ...(expiredBefore === undefined ? {} : { ':before': expiredBefore }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** `ADD n 1` to the window's counter unless it reached `max`; the TTL deletes old windows. */
  async takeRateStart(request: RateRequest): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [jobTable.partitionKey]: `${jobTable.rateLimitPrefix}${request.limit}@${request.window}` },
          UpdateExpression: 'SET #n = if_not_exists(#n, :zero) + :one, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
          ExpressionAttributeNames: { '#n': 'n', '#ttl': jobTable.ttlAttribute },
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':max': request.max,
            ':ttl': Math.ceil(request.expiresAt / 1000),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The item a failed condition saw: from the error when DynamoDB returned it, else read. */
  async #oldItem(
    error: ConditionalCheckFailedException,
    id: string,
  ): Promise<Record<string, unknown> | undefined> {
    if (error.Item) return unmarshallIfRaw(error.Item);
    const output = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: { [jobTable.partitionKey]: id }, ConsistentRead: true }),
    );
    return output.Item;
  }
}

function limitKey(limit: string): string {
  return `${jobTable.concurrencyLimitPrefix}${limit}`;
}
