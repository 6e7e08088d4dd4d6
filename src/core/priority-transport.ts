/**
 * Priority queues: one queue per priority behind the one `Transport` the worker knows. Sends go to the
 * queue of the envelope's priority; receives serve `high` first without starving `low`.
 */
import { priorityOfBody } from './envelope.js';
import { ConfigError } from './errors.js';
import type {
  DeadLetterMessage,
  DeadLetterReason,
  OutgoingMessage,
  QueueDepth,
  QueueMessage,
  ReceiveRequest,
  Transport,
} from './ports.js';
import { Priority, priorities } from './priority.js';

/** The share of first looks each priority gets. */
export type PriorityWeights = Readonly<Record<Priority, number>>;

/** Defaults of {@link PriorityTransportOptions}, in one place. */
export const priorityDefaults = {
  /** Of ten receives, six look at `high` first, three at `normal`, one at `low`. */
  weights: { high: 6, normal: 3, low: 1 } satisfies PriorityWeights,
  /** The longest long poll when every queue is empty. */
  idleWaitSeconds: 5,
} as const;

/** What a {@link PriorityTransport} composes. */
export interface PriorityTransportOptions {
  /** One transport per priority. All of them dead-letter to one shared dead-letter queue. */
  readonly queues: Readonly<Record<Priority, Transport>>;
  /**
   * Each receive first looks at one queue picked at random with these weights, then at the others from
   * `high` to `low`. Positive integers. Default 6/3/1.
   */
  readonly weights?: Partial<PriorityWeights>;
  /**
   * When every queue is empty, one long poll on a queue picked by weight waits at most this long (and
   * at most the receive's own `waitTimeSeconds`): the longest a job of another priority can wait on an
   * idle worker. Shorter costs more empty receives. 0–20, default 5.
   */
  readonly idleWaitSeconds?: number;
  /**
   * Queue names (the last part of the URL or ARN) by priority, so `adopt` can tell which queue a Lambda
   * event record came from.
   */
  readonly queueNames?: Readonly<Partial<Record<Priority, string>>>;
  /** A number in [0, 1); default `Math.random`. For tests. */
  readonly random?: () => number;
}

/**
 * A transport over one queue per priority.
 *
 * - `send` routes each message by its envelope's `priority` (absent: `normal`).
 * - `receive` tries the queues with short polls (wait 0), first one picked by weight (6/3/1: `high` is
 *   looked at first six times in ten, `low` once), then the others from `high` to `low`, until it has
 *   `maxMessages`. A busy `high` queue thus cannot starve `low`: one receive in ten starts with it. Only
 *   when all are empty does it long-poll one queue (picked by weight) for at most `idleWaitSeconds`.
 * - `changeVisibility`, `delete` and `deadLetter` go to the queue the message came from.
 * - The dead-letter queue is shared: its operations go through the `normal` transport, and `redrive`
 *   sends a message back to its priority's queue.
 *
 * @example
 * const transport = new PriorityTransport({ queues: { high, normal, low } });
 */
export class PriorityTransport implements Transport {
  readonly queueName?: string;
  /** Receiving ahead would fix the order of ten messages at once: the worker receives for free slots. */
  readonly picksPerReceive = true;
  readonly #queues: Readonly<Record<Priority, Transport>>;
  readonly #weights: PriorityWeights;
  readonly #idleWaitSeconds: number;
  readonly #names: Readonly<Partial<Record<Priority, string>>>;
  readonly #random: () => number;
  /** Which queue a received message came from. */
  readonly #sources = new WeakMap<QueueMessage, Transport>();

  constructor(options: PriorityTransportOptions) {
    const weights = { ...priorityDefaults.weights, ...options.weights };
    const idleWaitSeconds = options.idleWaitSeconds ?? priorityDefaults.idleWaitSeconds;
    const problems: string[] = [];
    for (const priority of priorities) {
      if (!options.queues?.[priority]) problems.push(`\`queues.${priority}\` to be a transport`);
      const weight = weights[priority];
      if (!Number.isInteger(weight) || weight < 1 || weight > 1000) {
        problems.push(`\`weights.${priority}\` to be an integer from 1 to 1000, got \`${weight}\``);
      }
    }
    if (!Number.isInteger(idleWaitSeconds) || idleWaitSeconds < 0 || idleWaitSeconds > 20) {
      problems.push(`\`idleWaitSeconds\` to be an integer from 0 to 20, got \`${idleWaitSeconds}\``);
    }
    if (problems.length)
      throw new ConfigError(`Invalid priority transport options: expected ${problems.join('; ')}`);
    this.#queues = options.queues;
    // Telemetry names the normal queue: the one every job without a priority goes to.
    const queueName = options.queues.normal.queueName;
    if (queueName !== undefined) this.queueName = queueName;
    this.#weights = weights;
    this.#idleWaitSeconds = idleWaitSeconds;
    this.#names = options.queueNames ?? {};
    this.#random = options.random ?? Math.random;
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    const byPriority = new Map<Priority, OutgoingMessage[]>();
    for (const message of messages) {
      const priority = priorityOfBody(message.body);
      byPriority.set(priority, [...(byPriority.get(priority) ?? []), message]);
    }
    for (const [priority, batch] of byPriority) await this.#queues[priority].send(batch);
  }

  async receive(request: ReceiveRequest, signal?: AbortSignal): Promise<QueueMessage[]> {
    if (signal?.aborted) return [];
    const first = this.#pick();
    const order = [first, ...priorities.filter((p) => p !== first)];
    const received: QueueMessage[] = [];
    for (const priority of order) {
      const want = request.maxMessages - received.length;
      if (want <= 0) break;
      received.push(
        ...this.#adoptAll(
          priority,
          await this.#queues[priority].receive({ ...request, maxMessages: want, waitTimeSeconds: 0 }, signal),
        ),
      );
    }
    const wait = Math.min(request.waitTimeSeconds, this.#idleWaitSeconds);
    if (received.length > 0 || wait === 0 || signal?.aborted) return received;
    const idle = this.#pick();
    return this.#adoptAll(
      idle,
      await this.#queues[idle].receive({ ...request, waitTimeSeconds: wait }, signal),
    );
  }

  /**
   * Records that `message` came from the queue named by `queueArnOrUrl` (a Lambda event record's
   * `eventSourceARN`), so its acknowledgement goes there. Unknown queues are left to the body's priority.
   */
  adopt(message: QueueMessage, queueArnOrUrl: string): void {
    const name = queueArnOrUrl.split(/[:/]/).at(-1);
    const priority = priorities.find((p) => this.#names[p] !== undefined && this.#names[p] === name);
    if (priority) this.#sources.set(message, this.#queues[priority]);
  }

  changeVisibility(message: QueueMessage, seconds: number): Promise<boolean> {
    return this.#source(message).changeVisibility(message, seconds);
  }

  async delete(messages: readonly QueueMessage[]): Promise<void> {
    const bySource = new Map<Transport, QueueMessage[]>();
    for (const message of messages) {
      const source = this.#source(message);
      bySource.set(source, [...(bySource.get(source) ?? []), message]);
    }
    for (const [source, batch] of bySource) await source.delete(batch);
  }

  deadLetter(message: QueueMessage, reason: DeadLetterReason): Promise<void> {
    return this.#source(message).deadLetter(message, reason);
  }

  /** The three queues summed; dead letters counted once (the queue is shared). */
  async depth(): Promise<QueueDepth> {
    const depths = await Promise.all(priorities.map((p) => this.#queues[p].depth()));
    const normal = depths[priorities.indexOf(Priority.normal)] as QueueDepth;
    return {
      available: depths.reduce((sum, d) => sum + d.available, 0),
      inFlight: depths.reduce((sum, d) => sum + d.inFlight, 0),
      delayed: depths.reduce((sum, d) => sum + d.delayed, 0),
      deadLettered: normal.deadLettered,
    };
  }

  /** The lowest of the queues' limits: a failing job is failed for good before any queue moves it. */
  async deliveryLimit(): Promise<number | undefined> {
    const limits = await Promise.all(priorities.map((p) => this.#queues[p].deliveryLimit()));
    const known = limits.filter((limit): limit is number => limit !== undefined);
    return known.length ? Math.min(...known) : undefined;
  }

  receiveDeadLetters(max: number, hideSeconds: number): Promise<DeadLetterMessage[]> {
    return this.#queues.normal.receiveDeadLetters(max, hideSeconds);
  }

  /** Sends the dead letter back to its priority's queue, then deletes it from the shared dead-letter queue. */
  async redrive(message: DeadLetterMessage): Promise<void> {
    await this.send([{ body: message.body }]);
    await this.#queues.normal.discardDeadLetter(message);
  }

  discardDeadLetter(message: DeadLetterMessage): Promise<void> {
    return this.#queues.normal.discardDeadLetter(message);
  }

  releaseDeadLetter(message: DeadLetterMessage): Promise<void> {
    return this.#queues.normal.releaseDeadLetter(message);
  }

  /** A priority picked at random in proportion to its weight. */
  #pick(): Priority {
    const total = priorities.reduce((sum, p) => sum + this.#weights[p], 0);
    let roll = this.#random() * total;
    for (const priority of priorities) {
      roll -= this.#weights[priority];
      if (roll < 0) return priority;
    }
    return Priority.low;
  }

  #adoptAll(priority: Priority, messages: QueueMessage[]): QueueMessage[] {
    for (const message of messages) this.#sources.set(message, this.#queues[priority]);
    return messages;
  }

  /** The queue a message came from: as recorded at receive, else the one its body's priority names. */
  #source(message: QueueMessage): Transport {
    return this.#sources.get(message) ?? this.#queues[priorityOfBody(message.body)];
  }
}
