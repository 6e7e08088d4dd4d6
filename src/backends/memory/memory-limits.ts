/**
 * The embedded backend's holds (schedules, unique keys), concurrency-limit slots and rate-limit window
 * counters, with the same conditions as the DynamoDB items (see `dynamo-limits.ts`). Each method runs
 * without awaiting, so it is atomic in this process as a conditional write is in DynamoDB.
 */
import type { KeyHold, KeyHoldRequest, RateRequest, SlotGrant, SlotRequest } from '../../core/ports.js';

interface Hold {
  readonly holder: string;
  readonly heldAt: number;
  readonly until: number;
}

export class MemoryLimits {
  /** Hold name (`schedule:<name>`, `key:<task>#<key>`) → its holder. */
  readonly #holds = new Map<string, Hold>();
  /** Limit name → slot token → lease expiry. */
  readonly #slots = new Map<string, Map<string, number>>();
  /** `<limit>@<window>` → starts counted, and when the counter may go. */
  readonly #windows = new Map<string, { n: number; expiresAt: number }>();

  /** Makes `jobId` the holder of `name` if nobody, `jobId` or `replacing` holds it. */
  hold(
    name: string,
    jobId: string,
    replacing: string | undefined,
    times: { heldAt: number; until: number } = { heldAt: 0, until: 0 },
  ): { held: true } | { held: false; hold: Hold } {
    const current = this.#holds.get(name);
    if (current === undefined || current.holder === jobId || current.holder === replacing) {
      this.#holds.set(name, { holder: jobId, ...times });
      return { held: true };
    }
    return { held: false, hold: { ...current } };
  }

  holdKey(request: KeyHoldRequest): KeyHold {
    const hold = this.hold(`key:${request.task}#${request.key}`, request.jobId, request.replacing, {
      heldAt: request.at,
      until: request.until,
    });
    return hold.held ? hold : { held: false, ...hold.hold };
  }

  acquireSlot(request: SlotRequest): SlotGrant {
    const slots = this.#slots.get(request.limit) ?? new Map<string, number>();
    if (slots.size >= request.max || slots.has(request.token)) {
      return {
        acquired: false,
        holders: [...slots].map(([token, leaseExpiresAt]) => ({ token, leaseExpiresAt })),
      };
    }
    slots.set(request.token, request.leaseExpiresAt);
    this.#slots.set(request.limit, slots);
    return { acquired: true };
  }

  renewSlot(limit: string, token: string, leaseExpiresAt: number): boolean {
    const slots = this.#slots.get(limit);
    if (!slots?.has(token)) return false;
    slots.set(token, leaseExpiresAt);
    return true;
  }

  releaseSlot(limit: string, token: string, expiredBefore?: number): boolean {
    const slots = this.#slots.get(limit);
    const lease = slots?.get(token);
    if (lease === undefined || (expiredBefore !== undefined && !(lease < expiredBefore))) return false;
    slots?.delete(token);
    return true;
  }

  takeRateStart(request: RateRequest, now: number): boolean {
    // Old windows go, as DynamoDB's TTL deletes their items.
    for (const [name, window] of this.#windows) if (window.expiresAt < now) this.#windows.delete(name);
    const name = `${request.limit}@${request.window}`;
    const window = this.#windows.get(name) ?? { n: 0, expiresAt: request.expiresAt };
    if (window.n >= request.max) return false;
    this.#windows.set(name, { n: window.n + 1, expiresAt: request.expiresAt });
    return true;
  }
}
