// Plays the part of Lambda's SQS event source mapping: receives real messages from the backend's queue,
// hands them to the handler as an SQS event, then deletes the records the handler did not report as
// failures, as the service does with ReportBatchItemFailures.
import type { Backend, QueueMessage } from 'longhaul';
import type { LonghaulLambdaHandler, SqsBatchResponse, SqsEventRecord } from 'longhaul/lambda';

export interface Invocation {
  readonly records: readonly SqsEventRecord[];
  readonly response: SqsBatchResponse;
  readonly failedIds: readonly string[];
}

export function toRecord(message: QueueMessage): SqsEventRecord {
  // Lambda passes message attributes as { stringValue, dataType }, and AWSTraceHeader among `attributes`.
  const attribute = (value: string) => ({ stringValue: value, dataType: 'String' });
  return {
    messageId: message.messageId,
    receiptHandle: message.receipt,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      ...(message.awsTraceHeader ? { AWSTraceHeader: message.awsTraceHeader } : {}),
    },
    ...(message.trace
      ? {
          messageAttributes: {
            traceparent: attribute(message.trace.traceparent),
            ...(message.trace.tracestate ? { tracestate: attribute(message.trace.tracestate) } : {}),
          },
        }
      : {}),
  };
}

/** A Lambda context whose invocation ends `remainingMs` after it is made. */
export function lambdaContext(remainingMs = 60_000, functionName = 'longhaul-test-worker') {
  const endsAt = Date.now() + remainingMs;
  return {
    functionName,
    awsRequestId: `req-${Math.random().toString(16).slice(2, 10)}`,
    getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()),
  };
}

/**
 * One invocation on the messages available now (waiting up to `waitTimeSeconds` for the first).
 * Resolves with undefined when the queue had nothing to deliver.
 */
export async function invokeOnce(
  handler: LonghaulLambdaHandler,
  backend: Backend,
  options: { remainingMs?: number; visibilityTimeoutSeconds?: number; waitTimeSeconds?: number } = {},
): Promise<Invocation | undefined> {
  const messages = await backend.transport.receive({
    maxMessages: 10,
    waitTimeSeconds: options.waitTimeSeconds ?? 1,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
  });
  if (messages.length === 0) return undefined;
  const records = messages.map(toRecord);
  const response = await handler({ Records: records }, lambdaContext(options.remainingMs));
  const failedIds = response.batchItemFailures.map((f) => f.itemIdentifier);
  await backend.transport.delete(messages.filter((m) => !failedIds.includes(m.messageId)));
  return { records, response, failedIds };
}
