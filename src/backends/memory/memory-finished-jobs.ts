/**
 * The embedded store's finished jobs: in the order they finished (for the `keepFinishedJobs` bound,
 * oldest evicted first) and by expiry (for the retention sweep). Every operation costs O(1), or
 * O(log n) per expiry, so evicting costs what is evicted, never a scan of the jobs kept.
 *
 * Nothing here is an object per job: a finished job is kept for the next `keepFinishedJobs` jobs, long
 * enough for V8 to move whatever it holds to the old generation, where it is garbage later. So the
 * bookkeeping lives in a Map of numbers and in parallel arrays of ids and numbers.
 */
export class FinishedJobs {
  /** Id → its place in line (the turn of its latest finishing): the one Map per job kept. */
  readonly #turns = new Map<string, number>();
  /**
   * Finishings in order, oldest from `#head`: a job finished again is queued again and its older entry
   * left stale (its turn no longer matches). Lists with a head index rather than the Map's own order,
   * because finding a Map's first key walks the holes its deletes leave at the front.
   */
  #lineIds: string[] = [];
  #lineTurns: number[] = [];
  #head = 0;
  #turnsGiven = 0;
  /**
   * A binary min-heap of (expiry, id, turn), as parallel arrays, for the finishings that have an expiry.
   * An entry whose turn is no longer its job's (finished again, or forgotten) is stale: skipped when
   * popped, so a job's expiry needs no Map of its own.
   */
  #heapAt: number[] = [];
  #heapIds: string[] = [];
  #heapTurns: number[] = [];
  readonly #keep: number;
  readonly #evict: (id: string) => void;

  /** `evict` forgets a job everywhere (it calls {@link delete} back); `keep` bounds how many are kept. */
  constructor(keep: number, evict: (id: string) => void) {
    this.#keep = keep;
    this.#evict = evict;
  }

  get size(): number {
    return this.#turns.size;
  }

  /** Entries held in the finishing line (consumed ones included) and the expiry heap: what this costs. */
  get heldEntries(): number {
    return this.#lineIds.length + this.#heapAt.length;
  }

  /** Notes that `id` is final (again), expiring at `expiresAt`; evicts the oldest finished past the bound. */
  finished(id: string, expiresAt: number | undefined): void {
    const turn = this.#turnsGiven++;
    this.#turns.set(id, turn);
    this.#lineIds.push(id);
    this.#lineTurns.push(turn);
    if (expiresAt !== undefined) this.#push(expiresAt, id, turn);
    while (this.#turns.size > this.#keep) this.#evict(this.#oldest());
    // Stale entries (jobs evicted by the bound, retried or removed) are dropped in one O(n) pass once
    // they outnumber the live ones, so the line and the heap stay within twice the jobs kept.
    // Entries before the head were consumed by evictions: they go in the same pass once they are half
    // the line, so the line holds at most about twice what it must.
    const line = this.#lineIds.length;
    if (line > 1024 && (this.#head * 2 > line || line - this.#head > 2 * this.#turns.size))
      this.#compactLine();
    if (this.#heapAt.length > 1024 && this.#heapAt.length > 2 * this.#turns.size) this.#compactHeap();
  }

  /** Forgets `id` (no longer final, or evicted). */
  delete(id: string): void {
    this.#turns.delete(id);
  }

  /** The id of the job that finished longest ago, among those kept (there is one: size > keep >= 0). */
  #oldest(): string {
    for (;;) {
      const at = this.#head++;
      const id = this.#lineIds[at] as string;
      if (this.#turns.get(id) === this.#lineTurns[at]) return id;
    }
  }

  #compactLine(): void {
    const ids: string[] = [];
    const turns: number[] = [];
    for (let i = this.#head; i < this.#lineIds.length; i++) {
      const id = this.#lineIds[i] as string;
      const turn = this.#lineTurns[i] as number;
      if (this.#turns.get(id) !== turn) continue;
      ids.push(id);
      turns.push(turn);
    }
    this.#lineIds = ids;
    this.#lineTurns = turns;
    this.#head = 0;
  }

  /** Evicts every job whose expiry is at or before `now`. */
  sweep(now: number): void {
    while (this.#heapAt.length > 0 && (this.#heapAt[0] as number) <= now) {
      const id = this.#heapIds[0] as string;
      const turn = this.#heapTurns[0] as number;
      this.#pop();
      // Still final since this finishing: not retried, re-finished or already evicted since.
      if (this.#turns.get(id) === turn) this.#evict(id);
    }
  }

  /** Rebuilds the heap from its live entries. */
  #compactHeap(): void {
    const times = this.#heapAt;
    const ids = this.#heapIds;
    const turns = this.#heapTurns;
    this.#heapAt = [];
    this.#heapIds = [];
    this.#heapTurns = [];
    for (let i = 0; i < times.length; i++) {
      const id = ids[i] as string;
      const turn = turns[i] as number;
      if (this.#turns.get(id) === turn) this.#push(times[i] as number, id, turn);
    }
  }

  #push(at: number, id: string, turn: number): void {
    const times = this.#heapAt;
    const ids = this.#heapIds;
    const turns = this.#heapTurns;
    let i = times.length;
    times.push(at);
    ids.push(id);
    turns.push(turn);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = times[parent] as number;
      if (above <= at) break;
      times[i] = above;
      ids[i] = ids[parent] as string;
      turns[i] = turns[parent] as number;
      i = parent;
    }
    times[i] = at;
    ids[i] = id;
    turns[i] = turn;
  }

  /** Removes the earliest entry. */
  #pop(): void {
    const times = this.#heapAt;
    const ids = this.#heapIds;
    const turns = this.#heapTurns;
    const lastAt = times.pop() as number;
    const lastId = ids.pop() as string;
    const lastTurn = turns.pop() as number;
    if (times.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= times.length) break;
      const right = left + 1;
      const child = right < times.length && (times[right] as number) < (times[left] as number) ? right : left;
      const below = times[child] as number;
      if (below >= lastAt) break;
      times[i] = below;
      ids[i] = ids[child] as string;
      turns[i] = turns[child] as number;
      i = child;
    }
    times[i] = lastAt;
    ids[i] = lastId;
    turns[i] = lastTurn;
  }
}
