import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { LonghaulError } from '../../core/errors.js';
import type {
  DeadLetterMessage,
  DeadLetterReason,
  OutgoingMessage,
  QueueDepth,
  QueueMessage,
  ReceiveRequest,
  Transport,
} from '../../core/ports.js';
import { type TraceCarrier, traceCarrierOf, traceMessageAttributes } from '../../core/trace-context.js';

/** The SQS client and the queue pair an `SqsTransport` serves. */
export interface SqsTransportOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Where `deadLetter` moves messages; the queue's redrive target. */
  readonly deadLetterQueueUrl: string;
}

/** Message attributes a dead-lettered message carries, for operators and redrive tools. */
export const deadLetterAttributes = {
  code: 'longhaul-error-code',
  message: 'longhaul-error-message',
  jobId: 'longhaul-job-id',
} as const;

/** SQS errors meaning "this receipt no longer holds the message". */
const staleReceiptErrors = new Set([
  'ReceiptHandleIsInvalid',
  'MessageNotInflight',
  'AWS.SimpleQueueService.MessageNotInflight',
  'AWS.SimpleQueueService.ReceiptHandleIsInvalid',
]);

/** The job queue on Amazon SQS: visibility timeout as the lock, a redrive policy feeding the DLQ. */
export class SqsTransport implements Transport {
  readonly queueName: string;
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #deadLetterQueueUrl: string;
  #deliveryLimit: Promise<number | undefined> | undefined;

  constructor(options: SqsTransportOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    // A queue URL ends in the queue's name: https://sqs.<region>.amazonaws.com/<account>/<name>.
    this.queueName = options.queueUrl.slice(options.queueUrl.lastIndexOf('/') + 1);
    this.#deadLetterQueueUrl = options.deadLetterQueueUrl;
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 1) {
      const [message] = messages as [OutgoingMessage];
      await this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: message.body,
          ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
          ...traceAttributesOf(message.trace),
        }),
      );
      return;
    }
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      const output = await this.#client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: batch.map((message, index) => ({
            Id: String(index),
            MessageBody: message.body,
            ...(message.delaySeconds ? { DelaySeconds: message.delaySeconds } : {}),
            ...traceAttributesOf(message.trace),
          })),
        }),
      );
      if (output.Failed?.length) {
        throw new LonghaulError(
          'send_failed',
          `SQS refused ${output.Failed.length} of ${batch.length} messages`,
          {
            context: { failures: output.Failed.map((f) => `${f.Code}: ${f.Message}`) },
          },
        );
      }
    }
  }

  /**
   * A long poll under way is not aborted by `signal`: SQS answers a poll the client gave up on and would
   * hide the messages it takes for their whole visibility timeout. So this resolves when SQS answers
   * (at most `waitTimeSeconds`), and the caller hands back what came (a stopping worker does not wait
   * for it, but leaves it to hand back its messages).
   */
  async receive(request: ReceiveRequest, signal?: AbortSignal): Promise<QueueMessage[]> {
    if (signal?.aborted) return [];
    const output = await this.#client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#queueUrl,
        MaxNumberOfMessages: request.maxMessages,
        WaitTimeSeconds: request.waitTimeSeconds,
        VisibilityTimeout: request.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'AWSTraceHeader'],
        MessageAttributeNames: [traceMessageAttributes.traceparent, traceMessageAttributes.tracestate],
      }),
    );
    return (output.Messages ?? []).map((m) => {
      const trace = traceCarrierOf(
        m.MessageAttributes?.[traceMessageAttributes.traceparent]?.StringValue,
        m.MessageAttributes?.[traceMessageAttributes.tracestate]?.StringValue,
      );
      const awsTraceHeader = m.Attributes?.AWSTraceHeader;
      return {
        messageId: m.MessageId ?? '',
        body: m.Body ?? '',
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
        sentAt: Number(m.Attributes?.SentTimestamp ?? Date.now()),
        receipt: m.ReceiptHandle ?? '',
        ...(trace ? { trace } : {}),
        ...(awsTraceHeader ? { awsTraceHeader } : {}),
      };
    });
  }

  async changeVisibility(message: QueueMessage, seconds: number): Promise<boolean> {
    try {
      await this.#client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#queueUrl,
          ReceiptHandle: message.receipt,
          VisibilityTimeout: seconds,
        }),
      );
      return true;
    } catch (error) {
      if (isStaleReceipt(error)) return false;
      throw error;
    }
  }

  async delete(messages: readonly QueueMessage[]): Promise<void> {
    if (messages.length === 1) {
      const [message] = messages as [QueueMessage];
      try {
        await this.#client.send(
          new DeleteMessageCommand({ QueueUrl: this.#queueUrl, ReceiptHandle: message.receipt }),
        );
      } catch (error) {
        if (!isStaleReceipt(error)) throw error;
      }
      return;
    }
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      // Per-entry failures are stale receipts: the message was redelivered and will be handled as a duplicate.
      await this.#client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: batch.map((m, index) => ({ Id: String(index), ReceiptHandle: m.receipt })),
        }),
      );
    }
  }

  async deadLetter(message: QueueMessage, reason: DeadLetterReason): Promise<void> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#deadLetterQueueUrl,
        MessageBody: message.body,
        MessageAttributes: {
          [deadLetterAttributes.code]: attribute(reason.code),
          [deadLetterAttributes.message]: attribute(reason.message || '(no message)'),
          ...(reason.jobId ? { [deadLetterAttributes.jobId]: attribute(reason.jobId) } : {}),
        },
      }),
    );
    await this.delete([message]);
  }

  async receiveDeadLetters(max: number, hideSeconds: number): Promise<DeadLetterMessage[]> {
    const output = await this.#client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
        WaitTimeSeconds: 0,
        VisibilityTimeout: hideSeconds,
        MessageSystemAttributeNames: ['SentTimestamp'],
        MessageAttributeNames: [
          deadLetterAttributes.code,
          deadLetterAttributes.message,
          deadLetterAttributes.jobId,
        ],
      }),
    );
    return (output.Messages ?? []).map((m) => {
      const attribute = (name: string) => m.MessageAttributes?.[name]?.StringValue;
      const code = attribute(deadLetterAttributes.code);
      const jobId = attribute(deadLetterAttributes.jobId);
      return {
        messageId: m.MessageId ?? '',
        body: m.Body ?? '',
        sentAt: Number(m.Attributes?.SentTimestamp ?? Date.now()),
        receipt: m.ReceiptHandle ?? '',
        ...(code
          ? {
              reason: {
                code,
                message: attribute(deadLetterAttributes.message) ?? '',
                ...(jobId ? { jobId } : {}),
              },
            }
          : {}),
      };
    });
  }

  async redrive(message: DeadLetterMessage): Promise<void> {
    await this.#client.send(new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: message.body }));
    await this.discardDeadLetter(message);
  }

  async discardDeadLetter(message: DeadLetterMessage): Promise<void> {
    try {
      await this.#client.send(
        new DeleteMessageCommand({ QueueUrl: this.#deadLetterQueueUrl, ReceiptHandle: message.receipt }),
      );
    } catch (error) {
      // Received again by someone else meanwhile: theirs to settle.
      if (!isStaleReceipt(error)) throw error;
    }
  }

  async releaseDeadLetter(message: DeadLetterMessage): Promise<void> {
    try {
      await this.#client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#deadLetterQueueUrl,
          ReceiptHandle: message.receipt,
          VisibilityTimeout: 0,
        }),
      );
    } catch (error) {
      if (!isStaleReceipt(error)) throw error;
    }
  }

  /** Reads the queue's redrive policy once; later calls reuse the answer. */
  deliveryLimit(): Promise<number | undefined> {
    this.#deliveryLimit ??= this.#client
      .send(new GetQueueAttributesCommand({ QueueUrl: this.#queueUrl, AttributeNames: ['RedrivePolicy'] }))
      .then((output) => {
        const policy = output.Attributes?.RedrivePolicy;
        const limit = policy
          ? Number((JSON.parse(policy) as { maxReceiveCount?: unknown }).maxReceiveCount)
          : NaN;
        return Number.isInteger(limit) && limit > 0 ? limit : undefined;
      });
    return this.#deliveryLimit;
  }

  async depth(): Promise<QueueDepth> {
    const names = [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
    ] as const;
    const [main, dead] = await Promise.all(
      [this.#queueUrl, this.#deadLetterQueueUrl].map((QueueUrl) =>
        this.#client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [...names] })),
      ),
    );
    const count = (attributes: Record<string, string> | undefined, name: (typeof names)[number]) =>
      Number(attributes?.[name] ?? 0);
    return {
      available: count(main?.Attributes, 'ApproximateNumberOfMessages'),
      inFlight: count(main?.Attributes, 'ApproximateNumberOfMessagesNotVisible'),
      delayed: count(main?.Attributes, 'ApproximateNumberOfMessagesDelayed'),
      deadLettered: count(dead?.Attributes, 'ApproximateNumberOfMessages'),
    };
  }
}

/** A job's trace context as the message attributes it travels in (none when tracing was off). */
function traceAttributesOf(trace: TraceCarrier | undefined) {
  if (!trace) return {};
  const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
  return {
    MessageAttributes: {
      [traceMessageAttributes.traceparent]: attribute(trace.traceparent),
      ...(trace.tracestate ? { [traceMessageAttributes.tracestate]: attribute(trace.tracestate) } : {}),
    },
  };
}

function isStaleReceipt(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof name !== 'string') return false;
  if (staleReceiptErrors.has(name)) return true;
  // SQS also reports a stale receipt as an invalid ReceiptHandle parameter; other invalid parameters
  // (a visibility past the 12-hour ceiling) are real errors.
  return name === 'InvalidParameterValue' && typeof message === 'string' && /receipt ?handle/i.test(message);
}
