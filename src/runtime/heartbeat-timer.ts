/** What the timer beats: a running attempt. */
export interface Beating {
  heartbeat(): void;
}

/**
 * Beats every running attempt of a runner once per interval from its start, off one timer for all of
 * them rather than an interval timer per attempt (a timer object and its list entry made and cleared for
 * every job). All attempts share the interval, so the order they were added in is the order their beats
 * fall due: a Map kept in that order is the whole queue, and the timer waits for its first entry.
 *
 * The timer keeps the process alive while an attempt runs, as an attempt's own interval did.
 */
export class HeartbeatTimer {
  readonly #intervalMs: number;
  /** Running attempts → when each beats next (epoch ms), earliest first. */
  readonly #due = new Map<Beating, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** Beats `attempt` an interval from now, and every interval after, until `delete`. */
  add(attempt: Beating): void {
    this.#due.set(attempt, Date.now() + this.#intervalMs);
    this.#timer ??= setTimeout(fire, this.#intervalMs, this);
  }

  /** No more beats for `attempt`. */
  delete(attempt: Beating): void {
    this.#due.delete(attempt);
    if (this.#due.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Beats the attempts that are due, each then due an interval later, and waits for the next. */
  beatDue(): void {
    this.#timer = undefined;
    const now = Date.now();
    const intervalMs = this.#intervalMs;
    let thrown: { error: unknown } | undefined;
    for (const [attempt, at] of this.#due) {
      // Not due yet, unless the clock went back by more than an interval: a lock must not lapse for it.
      if (at > now && at - now <= intervalMs) break;
      // Moved to the end (the latest due), as an interval timer counts its next wait from its callback.
      this.#due.delete(attempt);
      this.#due.set(attempt, now + intervalMs);
      try {
        attempt.heartbeat();
      } catch (error) {
        // As with a timer per attempt: one that throws stops none of the others' beats.
        thrown ??= { error };
      }
    }
    const next = this.#due.values().next();
    if (!next.done) this.#timer = setTimeout(fire, Math.max(1, next.value - now), this);
    if (thrown) throw thrown.error;
  }
}

function fire(timer: HeartbeatTimer): void {
  timer.beatDue();
}
