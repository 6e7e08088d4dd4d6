import { ConfigError } from '../../core/errors.js';
import type {
  DeadLetterMessage,
  DeadLetterReason,
  OutgoingMessage,
  QueueDepth,
  QueueMessage,
  ReceiveRequest,
  Transport,
} from '../../core/ports.js';
import type { RequestCounter } from '../../core/request-counter.js';
import type { TraceCarrier } from '../../core/trace-context.js';
import { newUuid } from '../../core/uuid.js';

/** Options of the in-process queue. */
export interface MemoryTransportOptions {
  /**
   * Deliveries after which a message is moved to the dead-letter queue on its next receive, like an SQS
   * redrive policy's `maxReceiveCount`. Default 10.
   */
  readonly maxReceiveCount?: number;
  /** Counts operations under their SQS names. */
  readonly counter?: RequestCounter;
  /**
   * Move dead letters to this queue's dead-letter queue instead of an own one: the priority queues of
   * one backend share a dead-letter queue, as on SQS.
   */
  readonly deadLetterTo?: MemoryTransport;
  /** The queue's name, as telemetry reports it (`messaging.destination.name`). Default `longhaul`. */
  readonly queueName?: string;
}

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly trace?: TraceCarrier;
  readonly sentAt: number;
  /** Send order, which breaks ties between messages that become visible at the same time. */
  readonly seq: number;
  visibleAt: number;
  receiveCount: number;
  /** The receipt of the current delivery; undefined before the first receive. */
  receipt: string | undefined;
  /** Where it waits: in the ready queue, or at this index of the hidden heap (-1 when in neither). */
  ready: boolean;
  heapIndex: number;
}

/** A message in the memory dead-letter queue, with the reason it was moved there. */
export interface MemoryDeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly reason?: DeadLetterReason;
  /** Epoch milliseconds when it was moved. */
  readonly sentAt: number;
}

interface StoredDeadLetter extends MemoryDeadLetter {
  visibleAt: number;
  receipt: string | undefined;
}

/**
 * An in-process queue with SQS's semantics: a visibility timeout as the lock, receive counts, new receipts
 * per delivery, long polling, message delays and a dead-letter queue fed by a max receive count.
 *
 * Visible messages wait in a first-in, first-out ready queue; hidden ones (delayed, or in flight until
 * their visibility timeout) in a heap by the time they become visible. A receive, a delete and a
 * visibility change cost the same whether the queue holds ten messages or a million. Like a request to
 * SQS, every 16th receive first lets the event loop turn, so timers keep running while a worker drains
 * a long queue.
 */
export class MemoryTransport implements Transport {
  readonly maxReceiveCount: number;
  readonly queueName: string;
  readonly #counter: RequestCounter | undefined;
  /**
   * The messages received at least once, by message id: what a delete or a visibility change names (its
   * receipt comes from a receive), so either is a lookup. Messages never received are only queued (ready
   * or hidden): a long queue costs no Map entry per message, and the lookups stay in a Map about as large
   * as what is in flight.
   */
  readonly #received = new Map<string, StoredMessage>();
  /** Visible messages, oldest first, from `#readyHead` on; entries deleted meanwhile are skipped. */
  #ready: StoredMessage[] = [];
  #readyHead = 0;
  /** Hidden messages: a binary min-heap by `visibleAt`, then send order. */
  readonly #hidden: StoredMessage[] = [];
  #seq = 0;
  /** Receives since the event loop last turned in `receive`. */
  #receivesSinceTurn = 0;
  #deadLetters: StoredDeadLetter[] = [];
  readonly #wakers = new Set<() => void>();
  /** Where dead letters go: this transport, or the one named by `deadLetterTo`. */
  readonly #deadLetterQueue: MemoryTransport;

  constructor(options: MemoryTransportOptions = {}) {
    const maxReceiveCount = options.maxReceiveCount ?? 10;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      throw new ConfigError(
        `Expected \`maxReceiveCount\` to be an integer from 1 to 1000, got \`${maxReceiveCount}\``,
      );
    }
    this.maxReceiveCount = maxReceiveCount;
    this.queueName = options.queueName ?? 'longhaul';
    this.#counter = options.counter;
    this.#deadLetterQueue = options.deadLetterTo ?? this;
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    const now = Date.now();
    for (let i = 0; i < messages.length; i += 10) {
      this.#counter?.record('sqs', messages.length === 1 ? 'SendMessage' : 'SendMessageBatch');
    }
    for (const message of messages) {
      const messageId = newUuid();
      const stored: StoredMessage = {
        messageId,
        body: message.body,
        ...(message.trace ? { trace: message.trace } : {}),
        sentAt: now,
        seq: this.#seq++,
        visibleAt: now + (message.delaySeconds ?? 0) * 1000,
        receiveCount: 0,
        receipt: undefined,
        ready: false,
        heapIndex: -1,
      };
      this.#place(stored, now);
    }
    this.#wake();
  }

  async receive(request: ReceiveRequest, signal?: AbortSignal): Promise<QueueMessage[]> {
    if (signal?.aborted) return [];
    this.#counter?.record('sqs', 'ReceiveMessage');
    if (++this.#receivesSinceTurn >= 16) {
      this.#receivesSinceTurn = 0;
      await turn();
      if (signal?.aborted) return [];
    }
    const deadline = Date.now() + request.waitTimeSeconds * 1000;
    for (;;) {
      const received = this.#takeVisible(request);
      if (received.length > 0 || signal?.aborted || Date.now() >= deadline) return received;
      await this.#sleepUntilChange(deadline, signal);
      this.#receivesSinceTurn = 0;
    }
  }

  async changeVisibility(message: QueueMessage, seconds: number): Promise<boolean> {
    this.#counter?.record('sqs', 'ChangeMessageVisibility');
    const now = Date.now();
    const stored = this.#inFlight(message, now);
    if (!stored) return false;
    this.#unplace(stored);
    stored.visibleAt = now + seconds * 1000;
    this.#place(stored, now);
    if (seconds === 0) this.#wake();
    return true;
  }

  async delete(messages: readonly QueueMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      this.#counter?.record('sqs', messages.length === 1 ? 'DeleteMessage' : 'DeleteMessageBatch');
    }
    for (const message of messages) {
      const stored = this.#received.get(message.messageId);
      // A delivery that no longer holds the message (its receipt changed) deletes nothing.
      if (stored && stored.receipt === message.receipt) this.#remove(stored);
    }
  }

  async deadLetter(message: QueueMessage, reason: DeadLetterReason): Promise<void> {
    this.#counter?.record('sqs', 'SendMessage');
    this.#deadLetterQueue.#deadLetters.push({
      messageId: message.messageId,
      body: message.body,
      receiveCount: message.receiveCount,
      reason,
      sentAt: Date.now(),
      visibleAt: 0,
      receipt: undefined,
    });
    await this.delete([message]);
  }

  async depth(): Promise<QueueDepth> {
    // One request for the queue and one for its dead-letter queue, as on SQS.
    this.#counter?.record('sqs', 'GetQueueAttributes', 2);
    const now = Date.now();
    let available = 0;
    let inFlight = 0;
    let delayed = 0;
    const count = (m: StoredMessage) => {
      if (m.visibleAt <= now) available++;
      else if (m.receipt === undefined) delayed++;
      else inFlight++;
    };
    for (const m of this.#received.values()) count(m);
    // The messages never received, each once: ready (visible), or hidden (delayed).
    for (let i = this.#readyHead; i < this.#ready.length; i++) {
      const m = this.#ready[i] as StoredMessage;
      if (m.ready && m.receipt === undefined) count(m);
    }
    for (const m of this.#hidden) if (m.receipt === undefined) count(m);
    return { available, inFlight, delayed, deadLettered: this.#deadLetters.length };
  }

  async deliveryLimit(): Promise<number | undefined> {
    this.#counter?.record('sqs', 'GetQueueAttributes');
    return this.maxReceiveCount;
  }

  async receiveDeadLetters(max: number, hideSeconds: number): Promise<DeadLetterMessage[]> {
    this.#counter?.record('sqs', 'ReceiveMessage');
    const now = Date.now();
    const out: DeadLetterMessage[] = [];
    for (const letter of this.#deadLetters) {
      if (out.length >= Math.min(10, max)) break;
      if (letter.visibleAt > now) continue;
      letter.receipt = newUuid();
      letter.visibleAt = now + hideSeconds * 1000;
      out.push({
        messageId: letter.messageId,
        body: letter.body,
        sentAt: letter.sentAt,
        receipt: letter.receipt,
        ...(letter.reason ? { reason: letter.reason } : {}),
      });
    }
    return out;
  }

  async redrive(message: DeadLetterMessage): Promise<void> {
    await this.send([{ body: message.body }]);
    await this.discardDeadLetter(message);
  }

  async discardDeadLetter(message: DeadLetterMessage): Promise<void> {
    this.#counter?.record('sqs', 'DeleteMessage');
    this.#deadLetters = this.#deadLetters.filter((l) => l.receipt !== message.receipt);
  }

  async releaseDeadLetter(message: DeadLetterMessage): Promise<void> {
    this.#counter?.record('sqs', 'ChangeMessageVisibility');
    const letter = this.#deadLetters.find((l) => l.receipt === message.receipt);
    if (letter) letter.visibleAt = 0;
  }

  /** The dead-letter queue's messages, oldest first. */
  deadLetters(): readonly MemoryDeadLetter[] {
    return this.#deadLetters.map(({ visibleAt: _v, receipt: _r, ...letter }) => letter);
  }

  #takeVisible(request: ReceiveRequest): QueueMessage[] {
    const now = Date.now();
    this.#reveal(now);
    const out: QueueMessage[] = [];
    const taken: StoredMessage[] = [];
    while (out.length < request.maxMessages && this.#readyHead < this.#ready.length) {
      const stored = this.#ready[this.#readyHead] as StoredMessage;
      this.#ready[this.#readyHead++] = undefined as unknown as StoredMessage;
      // Skips an entry whose message was deleted or hidden again since it was queued.
      if (!stored.ready) continue;
      stored.ready = false;
      if (stored.receiveCount >= this.maxReceiveCount) {
        // The redrive policy: a message received maxReceiveCount times moves on its next receive.
        this.#received.delete(stored.messageId);
        this.#deadLetterQueue.#deadLetters.push({
          messageId: stored.messageId,
          body: stored.body,
          receiveCount: stored.receiveCount,
          sentAt: now,
          visibleAt: 0,
          receipt: undefined,
        });
        continue;
      }
      stored.receiveCount += 1;
      if (stored.receipt === undefined) this.#received.set(stored.messageId, stored);
      stored.receipt = newUuid();
      stored.visibleAt = now + request.visibilityTimeoutSeconds * 1000;
      taken.push(stored);
      out.push(
        stored.trace
          ? {
              messageId: stored.messageId,
              body: stored.body,
              receiveCount: stored.receiveCount,
              sentAt: stored.sentAt,
              receipt: stored.receipt,
              trace: stored.trace,
            }
          : {
              messageId: stored.messageId,
              body: stored.body,
              receiveCount: stored.receiveCount,
              sentAt: stored.sentAt,
              receipt: stored.receipt,
            },
      );
    }
    // Queued again only now, so a receive with a visibility timeout of 0 takes each message once.
    for (const stored of taken) this.#place(stored, now);
    this.#compactReady();
    return out;
  }

  #inFlight(message: QueueMessage, now: number): StoredMessage | undefined {
    const stored = this.#received.get(message.messageId);
    return stored && stored.receipt === message.receipt && stored.visibleAt > now ? stored : undefined;
  }

  /** Queues a message by its `visibleAt`: ready if visible at `now`, else on the hidden heap. */
  #place(stored: StoredMessage, now: number): void {
    if (stored.visibleAt <= now) {
      stored.ready = true;
      this.#ready.push(stored);
    } else {
      this.#heapPush(stored);
    }
  }

  /** Takes a message out of the ready queue (lazily: its entry is skipped) or the hidden heap. */
  #unplace(stored: StoredMessage): void {
    stored.ready = false;
    if (stored.heapIndex >= 0) this.#heapRemove(stored.heapIndex);
  }

  #remove(stored: StoredMessage): void {
    this.#unplace(stored);
    this.#received.delete(stored.messageId);
  }

  /** Moves the hidden messages whose time has come to the ready queue, earliest first. */
  #reveal(now: number): void {
    for (;;) {
      const top = this.#hidden[0];
      if (!top || top.visibleAt > now) return;
      this.#heapRemove(0);
      top.ready = true;
      this.#ready.push(top);
    }
  }

  /** Drops the consumed front of the ready queue once it is half of the array. */
  #compactReady(): void {
    if (this.#readyHead === this.#ready.length) {
      this.#ready = [];
      this.#readyHead = 0;
    } else if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#readyHead);
      this.#readyHead = 0;
    }
  }

  #heapPush(stored: StoredMessage): void {
    stored.heapIndex = this.#hidden.length;
    this.#hidden.push(stored);
    this.#siftUp(stored.heapIndex);
  }

  #heapRemove(index: number): void {
    const heap = this.#hidden;
    const removed = heap[index] as StoredMessage;
    const last = heap.pop() as StoredMessage;
    removed.heapIndex = -1;
    if (last === removed) return;
    heap[index] = last;
    last.heapIndex = index;
    this.#siftDown(index);
    this.#siftUp(last.heapIndex);
  }

  #siftUp(index: number): void {
    const heap = this.#hidden;
    const item = heap[index] as StoredMessage;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as StoredMessage;
      if (!earlier(item, parent)) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = item;
    item.heapIndex = index;
  }

  #siftDown(index: number): void {
    const heap = this.#hidden;
    const item = heap[index] as StoredMessage;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      let child = left;
      if (right < heap.length && earlier(heap[right] as StoredMessage, heap[left] as StoredMessage))
        child = right;
      const next = heap[child] as StoredMessage;
      if (!earlier(next, item)) break;
      heap[index] = next;
      next.heapIndex = index;
      index = child;
    }
    heap[index] = item;
    item.heapIndex = index;
  }

  #wake(): void {
    for (const wake of this.#wakers) wake();
  }

  /** Sleeps until a send, a hand-back, the next hidden message becoming visible, the deadline, or abort. */
  #sleepUntilChange(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    const now = Date.now();
    const wakeAt = Math.min(deadline, this.#hidden[0]?.visibleAt ?? Infinity);
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, wakeAt - now));
      this.#wakers.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** Heap order: the earlier `visibleAt` first, then the earlier send. */
function earlier(a: StoredMessage, b: StoredMessage): boolean {
  return a.visibleAt < b.visibleAt || (a.visibleAt === b.visibleAt && a.seq < b.seq);
}

/**
 * Resolves after the event loop has turned once, like a network round trip. Taken at load time, so
 * tests that fake `setImmediate` do not stop a receive.
 */
const realSetImmediate = globalThis.setImmediate;
function turn(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}
