import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { WorkflowNotFoundError } from '../../core/errors.js';
import { jobTable } from '../../core/names.js';
import type { WorkflowStore } from '../../core/ports.js';
import type { WorkflowRecord } from '../../core/workflow.js';

/** Options of {@link DynamoWorkflowStore}: the job table it shares with `DynamoJobStore`. */
export interface DynamoWorkflowStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
}

/** The attribute holding a group's succeeded member indexes, a number set. */
const succeededAttribute = 'succeeded';

/**
 * Workflow records as items of the job table, keyed `#workflow#<id>`. They carry no status or task, so
 * they are in no index and the counts aggregator skips them. A group's fan-in is one `UpdateItem` per
 * member that succeeds: `ADD succeeded :index` on a number set, which a redelivery cannot count twice,
 * returning the set so the member that completes it knows it is the one.
 */
export class DynamoWorkflowStore implements WorkflowStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoWorkflowStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async createWorkflow(record: WorkflowRecord): Promise<boolean> {
    const { id, ...rest } = record;
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...rest, [jobTable.partitionKey]: keyOf(id) },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': jobTable.partitionKey },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async getWorkflow(id: string): Promise<WorkflowRecord | undefined> {
    const output = await this.#client.send(
      new GetCommand({
        TableName: this.#table,
        Key: { [jobTable.partitionKey]: keyOf(id) },
        ConsistentRead: true,
      }),
    );
    if (!output.Item) return undefined;
    const {
      [jobTable.partitionKey]: _key,
      [succeededAttribute]: _succeeded,
      [jobTable.ttlAttribute]: ttl,
      ...rest
    } = output.Item;
    // TTL deletes an expired item within days, not at once: until then it reads as deleted here.
    const expiresAt = typeof ttl === 'number' ? ttl * 1000 : undefined;
    if (expiresAt !== undefined && expiresAt <= Date.now()) return undefined;
    return { ...rest, id, ...(expiresAt !== undefined ? { expiresAt } : {}) } as WorkflowRecord;
  }

  async addSucceededMember(id: string, index: number): Promise<number> {
    try {
      const output = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [jobTable.partitionKey]: keyOf(id) },
          UpdateExpression: 'ADD #succeeded :index',
          ConditionExpression: 'attribute_exists(#id)',
          ExpressionAttributeNames: { '#id': jobTable.partitionKey, '#succeeded': succeededAttribute },
          ExpressionAttributeValues: { ':index': new Set([index]) },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const members = output.Attributes?.[succeededAttribute] as Set<number> | undefined;
      return members?.size ?? 0;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new WorkflowNotFoundError(id);
      throw error;
    }
  }

  async expireWorkflow(id: string, expiresAt: number): Promise<void> {
    // Only ever later: the record outlives every job of the workflow that ended.
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { [jobTable.partitionKey]: keyOf(id) },
          UpdateExpression: 'SET #ttl = :ttl',
          ConditionExpression: 'attribute_exists(#id) AND (attribute_not_exists(#ttl) OR #ttl < :ttl)',
          ExpressionAttributeNames: { '#id': jobTable.partitionKey, '#ttl': jobTable.ttlAttribute },
          ExpressionAttributeValues: { ':ttl': Math.ceil(expiresAt / 1000) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function keyOf(id: string): string {
  return `${jobTable.workflowPrefix}${id}`;
}
