/**
 * The embedded store's finished jobs: in the order they finished (for the `keepFinishedJobs` bound,
 * oldest evicted first) and by expiry (for the retention sweep). Every operation costs O(1), or
 * O(log n) per expiry, so evicting costs what is evicted, never a scan of the jobs kept.
 */
export class FinishedJobs {
  /** Id → expiry (epoch ms; undefined when none), in finishing order: a Map keeps insertion order. */
  readonly #order = new Map<string, number | undefined>();
  /** A binary min-heap of [expiry, id]. Entries left stale by a later change are skipped when popped. */
  #expiries: Array<readonly [number, string]> = [];
  readonly #keep: number;
  readonly #evict: (id: string) => void;

  /** `evict` forgets a job everywhere (it calls {@link delete} back); `keep` bounds how many are kept. */
  constructor(keep: number, evict: (id: string) => void) {
    this.#keep = keep;
    this.#evict = evict;
  }

  get size(): number {
    return this.#order.size;
  }

  /** Notes that `id` is final (again), expiring at `expiresAt`; evicts the oldest finished past the bound. */
  finished(id: string, expiresAt: number | undefined): void {
    const known = this.#order.has(id);
    const previous = this.#order.get(id);
    this.#order.delete(id);
    this.#order.set(id, expiresAt);
    if (expiresAt !== undefined && (!known || previous !== expiresAt)) this.#push([expiresAt, id]);
    while (this.#order.size > this.#keep) {
      const oldest = this.#order.keys().next().value as string;
      this.#evict(oldest);
    }
    // Stale heap entries (jobs evicted by the bound, retried or removed) are dropped in one O(n) pass
    // once they outnumber the live ones, so the heap stays within twice the jobs kept.
    if (this.#expiries.length > 1024 && this.#expiries.length > 2 * this.#order.size) this.#compact();
  }

  /** Forgets `id` (no longer final, or evicted). */
  delete(id: string): void {
    this.#order.delete(id);
  }

  /** Evicts every job whose expiry is at or before `now`. */
  sweep(now: number): void {
    const heap = this.#expiries;
    while (heap.length > 0 && (heap[0] as readonly [number, string])[0] <= now) {
      const [at, id] = this.#pop();
      // Still final with this very expiry: not retried, re-finished or already evicted since.
      if (this.#order.has(id) && this.#order.get(id) === at) this.#evict(id);
    }
  }

  #compact(): void {
    this.#expiries = [];
    for (const [id, at] of this.#order) if (at !== undefined) this.#push([at, id]);
  }

  #push(entry: readonly [number, string]): void {
    const heap = this.#expiries;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent] as readonly [number, string];
      if (above[0] <= entry[0]) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): readonly [number, string] {
    const heap = this.#expiries;
    const top = heap[0] as readonly [number, string];
    const last = heap.pop() as readonly [number, string];
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length &&
        (heap[right] as readonly [number, string])[0] < (heap[left] as readonly [number, string])[0]
          ? right
          : left;
      const below = heap[child] as readonly [number, string];
      if (below[0] >= last[0]) break;
      heap[i] = below;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
