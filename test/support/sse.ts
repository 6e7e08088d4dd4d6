// Reads a Server-Sent Events response as a client does: frames split on blank lines, fields parsed.

/** One event as an EventSource would dispatch it, or a comment line (`: ping`). */
export interface SseEvent {
  readonly event: string;
  readonly id?: string;
  readonly data: unknown;
  readonly retry?: number;
}

/** Parses complete frames out of `buffer`; returns them and what is left of an unfinished frame. */
export function parseSse(buffer: string): { events: SseEvent[]; comments: string[]; rest: string } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const frames = buffer.split('\n\n');
  const rest = frames.pop() ?? '';
  for (const frame of frames) {
    let event = 'message';
    let id: string | undefined;
    let retry: number | undefined;
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
      else if (line.startsWith('retry: ')) retry = Number(line.slice(7));
    }
    if (data.length > 0) {
      events.push({
        event,
        data: JSON.parse(data.join('\n')),
        ...(id ? { id } : {}),
        ...(retry ? { retry } : {}),
      });
    } else if (retry !== undefined) {
      events.push({ event: 'retry', data: null, retry });
    }
  }
  return { events, comments, rest };
}

/** Reads an event stream as it arrives, event by event. */
export class SseReader {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  #done = false;

  constructor(response: Response) {
    if (!response.body) throw new Error('the response has no body');
    this.#reader = response.body.getReader();
  }

  get done(): boolean {
    return this.#done;
  }

  /** Reads until `until` holds for the events so far (or the stream ends); returns them. */
  async readUntil(until: (events: readonly SseEvent[]) => boolean, timeoutMs = 30_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!until(this.events)) {
      if (this.#done)
        throw new Error(`the stream ended first; events: ${this.events.map((e) => e.event).join(', ')}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out; events: ${this.events.map((e) => e.event).join(', ')}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const chunk = await Promise.race([
        this.#reader.read(),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), remaining);
        }),
      ]);
      clearTimeout(timer);
      if (chunk === 'timeout') continue;
      if (chunk.done) {
        this.#done = true;
        continue;
      }
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
      const parsed = parseSse(this.#buffer);
      this.#buffer = parsed.rest;
      this.events.push(...parsed.events);
      this.comments.push(...parsed.comments);
    }
    return this.events;
  }

  /** Reads to the end of the stream. */
  async readToEnd(timeoutMs = 30_000): Promise<SseEvent[]> {
    await this.readUntil(() => this.#done, timeoutMs).catch((error: unknown) => {
      if (!this.#done) throw error;
    });
    return this.events;
  }

  /** Goes away as a browser tab does. */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}
