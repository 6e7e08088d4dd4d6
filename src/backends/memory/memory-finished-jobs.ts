/**
 * The embedded store's finished jobs: in the order they finished (for the `keepFinishedJobs` bound,
 * oldest evicted first) and by expiry (for the retention sweep). Every operation costs O(1), or
 * O(log n) per expiry, so evicting costs what is evicted, never a scan of the jobs kept.
 */
export class FinishedJobs {
  /** Id → the job's latest finishing: its expiry (epoch ms; undefined when none) and its place in line. */
  readonly #jobs = new Map<string, { readonly expiresAt: number | undefined; readonly turn: number }>();
  /**
   * Finishings in order, oldest from `#head`: a job finished again is queued again and its older entry
   * left stale (its turn no longer matches). A list with a head index rather than the Map's own order,
   * because finding a Map's first key walks the holes its deletes leave at the front.
   */
  #line: Array<readonly [string, number]> = [];
  #head = 0;
  #turns = 0;
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
    return this.#jobs.size;
  }

  /** Entries held in the finishing line (consumed ones included) and the expiry heap: what this costs. */
  get heldEntries(): number {
    return this.#line.length + this.#expiries.length;
  }

  /** Notes that `id` is final (again), expiring at `expiresAt`; evicts the oldest finished past the bound. */
  finished(id: string, expiresAt: number | undefined): void {
    const previous = this.#jobs.get(id);
    const turn = this.#turns++;
    this.#jobs.set(id, { expiresAt, turn });
    this.#line.push([id, turn]);
    if (expiresAt !== undefined && previous?.expiresAt !== expiresAt) this.#push([expiresAt, id]);
    while (this.#jobs.size > this.#keep) this.#evict(this.#oldest());
    // Stale entries (jobs evicted by the bound, retried or removed) are dropped in one O(n) pass once
    // they outnumber the live ones, so the line and the heap stay within twice the jobs kept.
    // Entries before the head were consumed by evictions: they go in the same pass once they are half
    // the line, so the line holds at most about twice what it must.
    const line = this.#line.length;
    if (line > 1024 && (this.#head * 2 > line || line - this.#head > 2 * this.#jobs.size))
      this.#compactLine();
    if (this.#expiries.length > 1024 && this.#expiries.length > 2 * this.#jobs.size) this.#compact();
  }

  /** Forgets `id` (no longer final, or evicted). */
  delete(id: string): void {
    this.#jobs.delete(id);
  }

  /** The id of the job that finished longest ago, among those kept (there is one: size > keep >= 0). */
  #oldest(): string {
    for (;;) {
      const [id, turn] = this.#line[this.#head++] as readonly [string, number];
      if (this.#jobs.get(id)?.turn === turn) return id;
    }
  }

  #compactLine(): void {
    this.#line = this.#line.slice(this.#head).filter(([id, turn]) => this.#jobs.get(id)?.turn === turn);
    this.#head = 0;
  }

  /** Evicts every job whose expiry is at or before `now`. */
  sweep(now: number): void {
    const heap = this.#expiries;
    while (heap.length > 0 && (heap[0] as readonly [number, string])[0] <= now) {
      const [at, id] = this.#pop();
      // Still final with this very expiry: not retried, re-finished or already evicted since.
      if (this.#jobs.get(id)?.expiresAt === at) this.#evict(id);
    }
  }

  #compact(): void {
    this.#expiries = [];
    for (const [id, { expiresAt }] of this.#jobs) if (expiresAt !== undefined) this.#push([expiresAt, id]);
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
