import { randomUUID } from 'node:crypto';
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
  visibleAt: number;
  receiveCount: number;
  /** The receipt of the current delivery; undefined before the first receive. */
  receipt: string | undefined;
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
 */
export class MemoryTransport implements Transport {
  readonly maxReceiveCount: number;
  readonly queueName: string;
  readonly #counter: RequestCounter | undefined;
  /** By message id, in send order (a Map keeps insertion order), so a delete is not a scan. */
  readonly #messages = new Map<string, StoredMessage>();
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
      for (const message of messages.slice(i, i + 10)) {
        const messageId = randomUUID();
        this.#messages.set(messageId, {
          messageId,
          body: message.body,
          ...(message.trace ? { trace: message.trace } : {}),
          sentAt: now,
          visibleAt: now + (message.delaySeconds ?? 0) * 1000,
          receiveCount: 0,
          receipt: undefined,
        });
      }
    }
    this.#wake();
  }

  async receive(request: ReceiveRequest, signal?: AbortSignal): Promise<QueueMessage[]> {
    if (signal?.aborted) return [];
    this.#counter?.record('sqs', 'ReceiveMessage');
    const deadline = Date.now() + request.waitTimeSeconds * 1000;
    for (;;) {
      const received = this.#takeVisible(request);
      if (received.length > 0 || signal?.aborted || Date.now() >= deadline) return received;
      await this.#sleepUntilChange(deadline, signal);
    }
  }

  async changeVisibility(message: QueueMessage, seconds: number): Promise<boolean> {
    this.#counter?.record('sqs', 'ChangeMessageVisibility');
    const stored = this.#inFlight(message);
    if (!stored) return false;
    stored.visibleAt = Date.now() + seconds * 1000;
    if (seconds === 0) this.#wake();
    return true;
  }

  async delete(messages: readonly QueueMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      this.#counter?.record('sqs', messages.length === 1 ? 'DeleteMessage' : 'DeleteMessageBatch');
      for (const message of batch) {
        // A delivery that no longer holds the message (its receipt changed) deletes nothing.
        if (this.#messages.get(message.messageId)?.receipt === message.receipt) {
          this.#messages.delete(message.messageId);
        }
      }
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
    for (const m of this.#messages.values()) {
      if (m.visibleAt <= now) available++;
      else if (m.receipt === undefined) delayed++;
      else inFlight++;
    }
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
      letter.receipt = randomUUID();
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
    const out: QueueMessage[] = [];
    for (const stored of this.#messages.values()) {
      if (out.length >= request.maxMessages) break;
      if (stored.visibleAt > now) continue;
      if (stored.receiveCount >= this.maxReceiveCount) {
        // The redrive policy: a message received maxReceiveCount times moves on its next receive.
        this.#messages.delete(stored.messageId);
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
      stored.receipt = randomUUID();
      stored.visibleAt = now + request.visibilityTimeoutSeconds * 1000;
      out.push({
        messageId: stored.messageId,
        body: stored.body,
        receiveCount: stored.receiveCount,
        sentAt: stored.sentAt,
        receipt: stored.receipt,
        ...(stored.trace ? { trace: stored.trace } : {}),
      });
    }
    return out;
  }

  #inFlight(message: QueueMessage): StoredMessage | undefined {
    const stored = this.#messages.get(message.messageId);
    return stored && stored.receipt === message.receipt && stored.visibleAt > Date.now() ? stored : undefined;
  }

  #wake(): void {
    for (const wake of this.#wakers) wake();
  }

  /** Sleeps until a send, a hand-back, the next hidden message becoming visible, the deadline, or abort. */
  #sleepUntilChange(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    const now = Date.now();
    let nextVisible = Infinity;
    for (const m of this.#messages.values())
      if (m.visibleAt > now && m.visibleAt < nextVisible) nextVisible = m.visibleAt;
    const wakeAt = Math.min(deadline, nextVisible);
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
