import type { DelayScheduler, Transport } from '../../core/ports.js';
import type { RequestCounter } from '../../core/request-counter.js';

/** Node's timers cannot wait longer (about 24.8 days); a longer wait is taken in steps. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * The embedded backend's delay scheduler: an in-process timer per delayed job that sends its message to
 * the queue at its run time. In-process only: the pending sends live and die with this process, like the
 * rest of the embedded backend. The timers are unref'd, so a pending delay never keeps a process alive.
 */
export class MemoryDelayScheduler implements DelayScheduler {
  readonly #transport: Transport;
  readonly #counter: RequestCounter | undefined;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #bodies = new Map<string, string>();

  constructor(options: { transport: Transport; counter?: RequestCounter }) {
    this.#transport = options.transport;
    this.#counter = options.counter;
  }

  async schedule(jobId: string, runAt: number, body: string): Promise<void> {
    // Counted under EventBridge Scheduler's names, so cost accounting reads the same on both backends.
    this.#counter?.record('scheduler', 'CreateSchedule');
    if (this.#timers.has(jobId)) return;
    this.#bodies.set(jobId, body);
    const wait = () => {
      const left = runAt - Date.now();
      if (left > 0) {
        const timer = setTimeout(wait, Math.min(left, maxTimerMs));
        timer.unref();
        this.#timers.set(jobId, timer);
        return;
      }
      this.#forget(jobId);
      // A failed send has no one to report to; the in-process queue does not fail sends.
      this.#transport.send([{ body }]).catch(() => undefined);
    };
    wait();
  }

  async cancel(jobId: string): Promise<boolean> {
    this.#counter?.record('scheduler', 'DeleteSchedule');
    const timer = this.#timers.get(jobId);
    if (!timer) return false;
    clearTimeout(timer);
    this.#forget(jobId);
    return true;
  }

  /**
   * Sends a pending job's message now, as if its time had come: for tests and local runs that cannot wait
   * hours. Resolves with the message body sent, or undefined when the job has no pending send.
   */
  async fire(jobId: string): Promise<string | undefined> {
    const timer = this.#timers.get(jobId);
    const body = this.#bodies.get(jobId);
    if (!timer || body === undefined) return undefined;
    clearTimeout(timer);
    this.#forget(jobId);
    await this.#transport.send([{ body }]);
    return body;
  }

  /** Job ids with a pending send. */
  pending(): string[] {
    return [...this.#timers.keys()];
  }

  #forget(jobId: string): void {
    this.#timers.delete(jobId);
    this.#bodies.delete(jobId);
  }
}
