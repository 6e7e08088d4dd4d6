import type { RequestCounts } from './ports.js';

/**
 * Counts backend requests by service and operation. The AWS adapters feed it from an SDK middleware,
 * the memory adapters from each equivalent operation, so per-job request counts compare across backends.
 */
export class RequestCounter implements RequestCounts {
  #counts = new Map<string, Map<string, number>>();

  record(service: string, operation: string, count = 1): void {
    let byOperation = this.#counts.get(service);
    if (!byOperation) {
      byOperation = new Map();
      this.#counts.set(service, byOperation);
    }
    byOperation.set(operation, (byOperation.get(operation) ?? 0) + count);
  }

  snapshot(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [service, byOperation] of this.#counts) out[service] = Object.fromEntries(byOperation);
    return out;
  }

  reset(): void {
    this.#counts.clear();
  }
}

/** DynamoDB operations that consume write capacity. */
export const dynamoWriteOperations: ReadonlySet<string> = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/** Sums a snapshot: all requests to a service, or only its write operations. */
export function totalRequests(
  snapshot: Record<string, Record<string, number>>,
  service: string,
  only?: ReadonlySet<string>,
): number {
  return Object.entries(snapshot[service] ?? {})
    .filter(([operation]) => !only || only.has(operation))
    .reduce((sum, [, n]) => sum + n, 0);
}
