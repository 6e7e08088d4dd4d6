/**
 * The embedded store's finished jobs: in the order they finished (for the `keepFinishedJobs` bound,
 * oldest evicted first) and by expiry (for the retention sweep). Every operation costs O(1), or
 * O(log n) per expiry, so evicting costs what is evicted, never a scan of the jobs kept.
 *
 * Nothing here is an object or a Map entry per job: a finished job is kept for the next
 * `keepFinishedJobs` jobs, long enough for V8 to move whatever it holds to the old generation, where it
 * is garbage later. So the bookkeeping lives in parallel arrays, and asks the store whether an entry
 * still stands (only when its job may have changed since it was added): the finishing line names the
 * very record stored (every write stores a new one), the expiry heap the expiry a final record holds.
 */
export class FinishedJobs<R extends object> {
  /** Finished records the store holds: the ones this bounds. */
  #size = 0;
  /**
   * Finishings in order, oldest from `#head`: a job finished again is queued again and its older entry
   * left stale (the store holds another record). Lists with a head index rather than a Map's own order,
   * because finding a Map's first key walks the holes its deletes leave at the front. An entry is
   * cleared once consumed, so the line keeps no evicted record alive.
   */
  #lineIds: string[] = [];
  #lineRecords: (R | undefined)[] = [];
  #head = 0;
  /**
   * Line entries from here on were added after the last change that can leave an entry stale (a job
   * finished again, forgotten or swept): they stand, with no need to ask the store (a lookup of a record
   * untouched for `keepFinishedJobs` jobs, long out of the CPU's caches).
   */
  #checkBefore = 0;
  /**
   * A binary min-heap of (expiry, push order, id), as parallel arrays, for the finishings that have an
   * expiry. An entry whose job no longer holds that expiry (retried, evicted, finished again with
   * another) is stale: skipped when popped. Ties go by push order, so while every job is kept as long
   * (one retention), the top is the job that finished first: the one the bound evicts, whose entry then
   * goes at once rather than in a compaction that asks the store about every entry.
   */
  #heapAt: number[] = [];
  #heapSeqs: number[] = [];
  #heapIds: string[] = [];
  #pushes = 0;
  readonly #keep: number;
  readonly #holds: (id: string, record: R) => boolean;
  readonly #expires: (id: string, at: number) => boolean;
  readonly #evict: (id: string) => void;

  /**
   * `keep` bounds how many are kept. The store answers `holds` (`record` is the record it stores for
   * `id`) and `expires` (it stores a final record for `id` that expires at `at`), and `evict` forgets a
   * finished job this evicts (without calling {@link forget}: this counted it already).
   */
  constructor(
    keep: number,
    holds: (id: string, record: R) => boolean,
    expires: (id: string, at: number) => boolean,
    evict: (id: string) => void,
  ) {
    this.#keep = keep;
    this.#holds = holds;
    this.#expires = expires;
    this.#evict = evict;
  }

  get size(): number {
    return this.#size;
  }

  /** Entries held in the finishing line (consumed ones included) and the expiry heap: what this costs. */
  get heldEntries(): number {
    return this.#lineIds.length + this.#heapAt.length;
  }

  /**
   * Notes that the store now holds `record`, final, for `id`, expiring at `expiresAt`; `again` when the
   * record it replaced was final too (one finished job still). Evicts the oldest finished past the bound.
   * With `sameExpiry` (finished again, with the expiry it had), its heap entry still stands.
   */
  finished(id: string, record: R, expiresAt: number | undefined, again: boolean, sameExpiry = false): void {
    if (again) this.#checkBefore = this.#lineIds.length;
    else this.#size++;
    this.#lineIds.push(id);
    this.#lineRecords.push(record);
    if (expiresAt !== undefined && !sameExpiry) this.#push(expiresAt, id);
    while (this.#size > this.#keep) {
      this.#size--;
      const oldest = this.#oldest();
      this.#evict(oldest);
      if (this.#heapIds[0] === oldest) this.#pop();
    }
    // Stale entries (jobs retried, finished again or removed) are dropped in one O(n) pass once they
    // outnumber a quarter of the live ones and 1024, so the line, and the records its stale entries
    // hold, stay within a quarter more than the jobs kept, and 1024. Entries before the head were
    // consumed by evictions: they go in the same pass once they are half the line. The heap holds no
    // record: it is compacted once it holds twice the jobs kept.
    const line = this.#lineIds.length;
    if (line > 1024 && (this.#head * 2 > line || line - this.#head > this.#size + (this.#size >> 2) + 1024)) {
      this.#compactLine();
    }
    if (this.#heapAt.length > 1024 && this.#heapAt.length > 2 * this.#size) this.#compactHeap();
  }

  /** A finished job the store held is gone or no longer final (retried, removed, expired). */
  forget(): void {
    this.#size--;
    this.#checkBefore = this.#lineIds.length;
  }

  /** The id of the job that finished longest ago, among those kept (there is one: size > keep >= 0). */
  #oldest(): string {
    for (;;) {
      const at = this.#head++;
      const id = this.#lineIds[at] as string;
      const record = this.#lineRecords[at] as R;
      this.#lineRecords[at] = undefined;
      if (at >= this.#checkBefore || this.#holds(id, record)) return id;
    }
  }

  #compactLine(): void {
    const ids: string[] = [];
    const records: R[] = [];
    for (let i = this.#head; i < this.#lineIds.length; i++) {
      const id = this.#lineIds[i] as string;
      const record = this.#lineRecords[i] as R;
      if (i < this.#checkBefore && !this.#holds(id, record)) continue;
      ids.push(id);
      records.push(record);
    }
    this.#lineIds = ids;
    this.#lineRecords = records;
    this.#head = 0;
    this.#checkBefore = 0;
  }

  /** Evicts every job whose expiry is at or before `now`. */
  sweep(now: number): void {
    while (this.#heapAt.length > 0 && (this.#heapAt[0] as number) <= now) {
      const at = this.#heapAt[0] as number;
      const id = this.#pop();
      // Still final with this very expiry: not retried, re-finished or already evicted since.
      if (this.#expires(id, at)) {
        this.forget();
        this.#evict(id);
      }
    }
  }

  /** Rebuilds the heap from its entries that still stand, in their order. */
  #compactHeap(): void {
    const times = this.#heapAt;
    const seqs = this.#heapSeqs;
    const ids = this.#heapIds;
    this.#heapAt = [];
    this.#heapSeqs = [];
    this.#heapIds = [];
    for (let i = 0; i < times.length; i++) {
      const at = times[i] as number;
      const id = ids[i] as string;
      if (this.#expires(id, at)) this.#place(at, seqs[i] as number, id);
    }
  }

  #push(at: number, id: string): void {
    this.#place(at, this.#pushes++, id);
  }

  #place(at: number, seq: number, id: string): void {
    const times = this.#heapAt;
    const seqs = this.#heapSeqs;
    const ids = this.#heapIds;
    let i = times.length;
    times.push(at);
    seqs.push(seq);
    ids.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = times[parent] as number;
      if (above < at || (above === at && (seqs[parent] as number) < seq)) break;
      times[i] = above;
      seqs[i] = seqs[parent] as number;
      ids[i] = ids[parent] as string;
      i = parent;
    }
    times[i] = at;
    seqs[i] = seq;
    ids[i] = id;
  }

  /** Removes the earliest entry; answers its id. */
  #pop(): string {
    const times = this.#heapAt;
    const seqs = this.#heapSeqs;
    const ids = this.#heapIds;
    const top = ids[0] as string;
    const lastAt = times.pop() as number;
    const lastSeq = seqs.pop() as number;
    const lastId = ids.pop() as string;
    if (times.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= times.length) break;
      const right = left + 1;
      const child = right < times.length && earlier(times, seqs, right, left) ? right : left;
      const below = times[child] as number;
      if (below > lastAt || (below === lastAt && (seqs[child] as number) > lastSeq)) break;
      times[i] = below;
      seqs[i] = seqs[child] as number;
      ids[i] = ids[child] as string;
      i = child;
    }
    times[i] = lastAt;
    seqs[i] = lastSeq;
    ids[i] = lastId;
    return top;
  }
}

/** Heap order: the earlier expiry first, then the earlier push. */
function earlier(times: readonly number[], seqs: readonly number[], a: number, b: number): boolean {
  const at = times[a] as number;
  const bt = times[b] as number;
  return at < bt || (at === bt && (seqs[a] as number) < (seqs[b] as number));
}
