// Live updates: a Server-Sent Events stream that sends the stats, and the job, list page or dead-letter
// queue the page is showing, whenever they change (checked every `intervalMs`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { QueueStats } from '../client/client-types.js';
import { type DashboardApi, deadLetterLimits, errorResponse, parseLimit, parseListParams } from './api.js';
import { HttpError } from './http.js';

/** What one stream watches besides the stats, from its query string. */
type View =
  | { readonly kind: 'none' }
  | { readonly kind: 'job'; readonly id: string }
  | { readonly kind: 'jobs'; readonly params: ReturnType<typeof parseListParams> }
  | { readonly kind: 'dlq'; readonly limit: number };

/** Reads `view=job&id=...`, `view=jobs&status=&task=&cursor=&limit=` or `view=dlq&limit=`. */
export function parseView(query: URLSearchParams): View {
  const view = query.get('view') || 'none';
  switch (view) {
    case 'none':
      return { kind: 'none' };
    case 'job': {
      const id = query.get('id');
      if (!id || id.length > 256)
        throw new HttpError(400, 'invalid_request', 'Expected `id` with `view=job`');
      return { kind: 'job', id };
    }
    case 'jobs':
      return { kind: 'jobs', params: parseListParams(query) };
    case 'dlq':
      return { kind: 'dlq', limit: parseLimit(query.get('limit'), deadLetterLimits) };
    default:
      throw new HttpError(
        400,
        'invalid_request',
        `Expected \`view\` to be job, jobs or dlq, got ${JSON.stringify(view)}`,
      );
  }
}

/**
 * Streams of one handler. Stats are read once per interval however many pages are open (on AWS they
 * cost a table scan and a queue-attributes call).
 */
export class LiveUpdates {
  readonly #api: DashboardApi;
  readonly #intervalMs: number;
  readonly #streams = new Set<ServerResponse>();
  readonly #onError: (error: unknown) => void;
  #stats: { at: number; value: Promise<QueueStats> } | undefined;

  constructor(api: DashboardApi, intervalMs: number, onError: (error: unknown) => void) {
    this.#api = api;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  /** Answers `GET api/events`: keeps the response open until the client goes or {@link closeAll}. */
  open(req: IncomingMessage, res: ServerResponse, view: View): void {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(`retry: ${Math.max(1_000, this.#intervalMs)}\n\n`);
    this.#streams.add(res);

    const last = new Map<string, string>();
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const close = () => {
      closed = true;
      if (timer) clearTimeout(timer);
      this.#streams.delete(res);
    };
    req.on('close', close);
    res.on('close', close);
    res.on('error', close); // a client gone mid-write; without a listener the error would be thrown

    const send = (event: string, value: unknown) => {
      if (closed) return; // a read that finished after the client left
      const data = JSON.stringify(value);
      if (last.get(event) === data) return;
      last.set(event, data);
      res.write(`event: ${event}\ndata: ${data}\n\n`);
    };
    const tick = async () => {
      try {
        send('stats', await this.#sharedStats());
        if (view.kind === 'job') send('job', await this.#api.job(view.id));
        else if (view.kind === 'jobs') send('jobs', await this.#api.jobs(view.params));
        else if (view.kind === 'dlq') send('dlq', await this.#api.deadLetters(view.limit));
        last.delete('problem');
      } catch (error) {
        const response = errorResponse(error);
        if (response.internal) this.#onError(error);
        send('problem', { error: { code: response.code, message: response.message } });
      }
      if (!closed) {
        res.write(': tick\n\n'); // a comment: keeps proxies from timing the stream out
        timer = setTimeout(tick, this.#intervalMs);
      }
    };
    void tick();
  }

  /** Ends every open stream (on shutdown). */
  closeAll(): void {
    for (const res of this.#streams) res.end();
    this.#streams.clear();
  }

  #sharedStats(): Promise<QueueStats> {
    const now = Date.now();
    if (!this.#stats || now - this.#stats.at >= this.#intervalMs / 2) {
      const value = this.#api.stats();
      this.#stats = { at: now, value };
      // A failed read is not cached: the next tick tries again.
      value.catch(() => {
        if (this.#stats?.value === value) this.#stats = undefined;
      });
    }
    return this.#stats.value;
  }
}
