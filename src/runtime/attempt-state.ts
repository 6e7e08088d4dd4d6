import type { JobLogLine, JobProgress, LogLevel } from '../core/job.js';
import { limits, truncateUtf8 } from '../core/limits.js';

/** Progress and log lines reported by a running attempt and not yet written to the job. */
export class AttemptState {
  #progress: JobProgress | undefined;
  /** Lines not yet written; undefined while there are none (most attempts log nothing). */
  #pendingLogs: JobLogLine[] | undefined;
  #storedLines: number;
  #dropped = 0;

  constructor(storedLines: number) {
    this.#storedLines = storedLines;
  }

  setProgress(fraction: number, message?: string): void {
    if (!Number.isFinite(fraction)) return;
    this.#progress = {
      fraction: Math.min(1, Math.max(0, fraction)),
      ...(message !== undefined ? { message: truncateUtf8(String(message)) } : {}),
    };
  }

  log(message: string, level: LogLevel = 'info'): void {
    this.#pendingLogs ??= [];
    const pending = this.#pendingLogs;
    if (this.#storedLines + pending.length >= limits.maxLogLines - 1) {
      this.#dropped++;
      return;
    }
    pending.push({
      at: Date.now(),
      level,
      message: truncateUtf8(String(message)),
    });
  }

  /** Returns what `takeUpdates` took when writing it failed, so the next write carries it. */
  putBack(updates: { progress?: JobProgress; logs?: readonly JobLogLine[] }): void {
    if (updates.progress && !this.#progress) this.#progress = updates.progress;
    if (updates.logs?.length) {
      this.#pendingLogs = [...updates.logs, ...(this.#pendingLogs ?? [])];
      this.#storedLines -= updates.logs.length;
    }
  }

  /** Takes what changed since the last write. */
  takeUpdates(): { progress?: JobProgress; logs?: JobLogLine[] } {
    const { progress, logs } = this.takeFinal();
    return { ...(progress ? { progress } : {}), ...(logs.length ? { logs } : {}) };
  }

  /** Takes everything not yet written, for the write that ends the attempt. */
  takeFinal(): { progress?: JobProgress; logs: JobLogLine[] } {
    const progress = this.#progress;
    this.#progress = undefined;
    const logs = this.#takeLogs();
    return progress ? { progress, logs } : { logs };
  }

  /**
   * Takes the pending log lines. The first time lines were dropped over the cap, adds one notice in the
   * slot kept free for it; once the job holds `maxLogLines`, later lines are dropped silently.
   */
  #takeLogs(): JobLogLine[] {
    const lines = this.#pendingLogs ?? [];
    this.#pendingLogs = undefined;
    this.#storedLines += lines.length;
    if (this.#dropped > 0 && this.#storedLines < limits.maxLogLines) {
      lines.push({
        at: Date.now(),
        level: 'warn',
        message: `${this.#dropped} log lines dropped (limit ${limits.maxLogLines} per job)`,
      });
      this.#storedLines += 1;
    }
    this.#dropped = 0;
    return lines;
  }
}
