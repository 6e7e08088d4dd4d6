import { WorkflowNotFoundError } from '../../core/errors.js';
import type { WorkflowStore } from '../../core/ports.js';
import type { RequestCounter } from '../../core/request-counter.js';
import type { WorkflowRecord } from '../../core/workflow.js';

/** Workflow records and group counters in Maps, with the DynamoDB store's semantics. */
export class MemoryWorkflowStore implements WorkflowStore {
  readonly #records = new Map<string, WorkflowRecord>();
  /** Group id → indexes of the members that succeeded: a set, so a redelivery adds nothing. */
  readonly #succeeded = new Map<string, Set<number>>();
  readonly #counter: RequestCounter | undefined;

  constructor(options: { readonly counter?: RequestCounter } = {}) {
    this.#counter = options.counter;
  }

  async createWorkflow(record: WorkflowRecord): Promise<boolean> {
    this.#counter?.record('dynamodb', 'PutItem');
    if (this.#records.has(record.id)) return false;
    this.#records.set(record.id, structuredClone(record));
    return true;
  }

  async getWorkflow(id: string): Promise<WorkflowRecord | undefined> {
    this.#counter?.record('dynamodb', 'GetItem');
    const record = this.#live(id);
    return record && structuredClone(record);
  }

  async addSucceededMember(id: string, index: number): Promise<number> {
    this.#counter?.record('dynamodb', 'UpdateItem');
    if (!this.#live(id)) throw new WorkflowNotFoundError(id);
    const members = this.#succeeded.get(id) ?? new Set<number>();
    members.add(index);
    this.#succeeded.set(id, members);
    return members.size;
  }

  async expireWorkflow(id: string, expiresAt: number): Promise<void> {
    this.#counter?.record('dynamodb', 'UpdateItem');
    const record = this.#live(id);
    if (!record || (record.expiresAt !== undefined && record.expiresAt >= expiresAt)) return;
    this.#records.set(id, { ...record, expiresAt });
  }

  /** The record unless its expiry passed; an expired one is dropped, as DynamoDB's TTL would. */
  #live(id: string): WorkflowRecord | undefined {
    const record = this.#records.get(id);
    if (record?.expiresAt !== undefined && record.expiresAt <= Date.now()) {
      this.#records.delete(id);
      this.#succeeded.delete(id);
      return undefined;
    }
    return record;
  }
}
