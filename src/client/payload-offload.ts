/**
 * Moves arguments and results that are too large for a message or a record to the backend's payload
 * store, and reads them back. The producer (`Longhaul`) and the runner share it, so both sides agree on
 * thresholds, keys and checks. Objects are always written before the message or record that points at
 * them, so a reader never follows a reference to an object not yet written.
 */
import { PayloadUnavailableError } from '../core/errors.js';
import type { JobRecord } from '../core/job.js';
import { limits } from '../core/limits.js';
import { argsKey, matchesRef, type PayloadRef, payloadRefOf, resultKey } from '../core/payload.js';
import type { PayloadStore } from '../core/ports.js';

export class PayloadOffload {
  readonly #store: PayloadStore | undefined;

  constructor(store: PayloadStore | undefined) {
    this.#store = store;
  }

  /** The largest arguments a job may have: the inline limit, or the store's `maxPayloadBytes`. */
  get maxArgsBytes(): number {
    return this.#store ? this.#store.limits.maxPayloadBytes : limits.maxArgsBytes;
  }

  /** The largest result a job may have. */
  get maxResultBytes(): number {
    return this.#store ? this.#store.limits.maxPayloadBytes : limits.maxResultBytes;
  }

  /**
   * The arguments as the message and record carry them: inline when `json` (their serialization) is
   * small enough, otherwise null plus the reference of the object just written.
   */
  async offloadArgs(
    jobId: string,
    args: unknown,
    json: string,
  ): Promise<{ args: unknown; argsRef?: PayloadRef }> {
    const store = this.#store;
    if (!store || Buffer.byteLength(json, 'utf8') <= store.limits.offloadArgsOverBytes) return { args };
    const draft = payloadRefOf('', json);
    const ref = { ...draft, key: argsKey(jobId, draft.sha256) };
    await store.put(ref.key, json);
    return { args: null, argsRef: ref };
  }

  /** True when a result of `bytes` goes to the store rather than onto the record. */
  offloadsResult(bytes: number): boolean {
    return this.#store !== undefined && bytes > this.#store.limits.offloadResultOverBytes;
  }

  /** True when a result that does not fit beside the rest of the record can go to the store instead. */
  get canOffload(): boolean {
    return this.#store !== undefined;
  }

  /** Writes one attempt's result (its JSON) and returns its reference. */
  async offloadResult(jobId: string, attempt: number, token: string, json: string): Promise<PayloadRef> {
    const store = this.#required(resultKey(jobId, attempt, token));
    const ref = payloadRefOf(resultKey(jobId, attempt, token), json);
    await store.put(ref.key, json);
    return ref;
  }

  /**
   * Reads a payload back. Throws {@link PayloadUnavailableError} when there is no store, no object, or
   * an object that is not the one referenced; other failures (the network) are rethrown as they are.
   */
  async read(ref: PayloadRef): Promise<unknown> {
    const body = await this.#readBody(ref);
    try {
      return JSON.parse(body);
    } catch (cause) {
      throw new PayloadUnavailableError(ref.key, 'the object is not JSON', { cause });
    }
  }

  /** The job with its offloaded arguments and result read back in place of their nulls. */
  async resolve<T extends JobRecord>(job: T, parts: { args: boolean; result: boolean }): Promise<T> {
    const [args, result] = await Promise.all([
      parts.args && job.argsRef ? this.read(job.argsRef) : undefined,
      parts.result && job.resultRef ? this.read(job.resultRef) : undefined,
    ]);
    return {
      ...job,
      ...(parts.args && job.argsRef ? { args } : {}),
      ...(parts.result && job.resultRef ? { result } : {}),
    };
  }

  /**
   * Writes the arguments' object again, so a job retried late in its life does not find them expired by
   * the bucket's lifecycle rule (which counts from the object's last write).
   */
  async refresh(ref: PayloadRef): Promise<void> {
    // A missing or altered object fails the retry now rather than its next attempt.
    const body = await this.#readBody(ref);
    await this.#required(ref.key).put(ref.key, body);
  }

  async #readBody(ref: PayloadRef): Promise<string> {
    const body = await this.#required(ref.key).get(ref.key);
    if (body === undefined) {
      throw new PayloadUnavailableError(ref.key, 'no such object (expired or deleted)');
    }
    if (!matchesRef(ref, body)) {
      throw new PayloadUnavailableError(ref.key, 'the object does not match its size and SHA-256', {
        context: { bytes: ref.bytes },
      });
    }
    return body;
  }

  #required(key: string): PayloadStore {
    if (!this.#store) {
      throw new PayloadUnavailableError(key, 'this backend has no payload store configured (`payloads`)');
    }
    return this.#store;
  }
}
