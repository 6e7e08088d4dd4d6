// A parser for the `text/event-stream` format, as the HTML standard defines it (§9.2.6), for the browser
// client. `EventSource` would parse it for us, but it cannot send an `Authorization` header, and a job
// token must never travel in a URL; so the client reads the stream with `fetch` and parses it here.

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, or `message` when the event named none. */
  readonly type: string;
  /** The `data:` lines joined with newlines. */
  readonly data: string;
  /** The last `id:` the stream set (it carries over to later events that set none), or ''. */
  readonly id: string;
}

/** What the parser reports as it reads. */
export interface SseParserCallbacks {
  onEvent(event: SseEvent): void;
  /** A `retry:` field: the server's reconnection delay in milliseconds. */
  onRetry?(delayMs: number): void;
}

const digits = /^\d+$/;

/**
 * Incremental: feed it text as it arrives, in chunks cut anywhere (inside a line, between CR and LF).
 * Lines end in LF, CR or CRLF; comment lines (`: ping`) are skipped; an event is dispatched at a blank
 * line and only if it had data, as a browser's `EventSource` does.
 */
export class SseParser {
  readonly #callbacks: SseParserCallbacks;
  #buffer = '';
  #started = false;
  /** The previous chunk ended in CR: an LF that starts this one belongs to that line ending. */
  #afterCarriageReturn = false;
  #type = '';
  #data = '';
  #hasData = false;
  #lastEventId = '';

  constructor(callbacks: SseParserCallbacks, lastEventId = '') {
    this.#callbacks = callbacks;
    this.#lastEventId = lastEventId;
  }

  /** The id of the last event seen, for `Last-Event-ID` when reconnecting. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  push(chunk: string): void {
    let text = chunk;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#afterCarriageReturn && text.startsWith('\n')) text = text.slice(1);
    this.#afterCarriageReturn = false;
    this.#buffer += text;
    let start = 0;
    for (;;) {
      const end = nextLineEnd(this.#buffer, start);
      if (end === -1) break;
      this.#line(this.#buffer.slice(start, end));
      if (this.#buffer[end] === '\r') {
        if (end + 1 === this.#buffer.length) {
          this.#afterCarriageReturn = true;
          start = end + 1;
          break;
        }
        start = this.#buffer[end + 1] === '\n' ? end + 2 : end + 1;
      } else {
        start = end + 1;
      }
    }
    this.#buffer = this.#buffer.slice(start);
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#type = value;
        break;
      case 'data':
        this.#data += this.#hasData ? `\n${value}` : value;
        this.#hasData = true;
        break;
      case 'id':
        if (!value.includes('\u0000')) this.#lastEventId = value;
        break;
      case 'retry':
        if (digits.test(value)) this.#callbacks.onRetry?.(Number(value));
        break;
      default:
        // Unknown fields are ignored, as the standard says.
        break;
    }
  }

  #dispatch(): void {
    const event: SseEvent | undefined = this.#hasData
      ? { type: this.#type || 'message', data: this.#data, id: this.#lastEventId }
      : undefined;
    this.#type = '';
    this.#data = '';
    this.#hasData = false;
    if (event) this.#callbacks.onEvent(event);
  }
}

function nextLineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10 || code === 13) return i;
  }
  return -1;
}
