import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ErrorCode, LonghaulError } from '../../core/errors.js';
import type { EventPublisher, JobStateChange } from '../../core/ports.js';

/** What every published event carries, for rules to match on. */
export const jobStateEvent = {
  source: 'longhaul',
  detailType: 'Longhaul Job State Change',
} as const;

/** Options of {@link EventBridgePublisher}. */
export interface EventBridgePublisherOptions {
  readonly client: EventBridgeClient;
  /** The bus's name or ARN. */
  readonly eventBusName: string;
}

/** PutEvents takes at most 10 entries per call. */
const maxEntriesPerCall = 10;

/**
 * Publishes job state changes to an EventBridge bus, up to 10 per `PutEvents` call, as events of source
 * `longhaul` and detail type `Longhaul Job State Change` whose detail is the {@link JobStateChange}
 * (ids, status, attempt, error code and message: never the job's arguments or result).
 */
export class EventBridgePublisher implements EventPublisher {
  readonly #client: EventBridgeClient;
  readonly #bus: string;

  constructor(options: EventBridgePublisherOptions) {
    this.#client = options.client;
    this.#bus = options.eventBusName;
  }

  async publish(changes: readonly JobStateChange[]): Promise<void> {
    for (let i = 0; i < changes.length; i += maxEntriesPerCall) {
      const batch = changes.slice(i, i + maxEntriesPerCall);
      const output = await this.#client.send(
        new PutEventsCommand({
          Entries: batch.map((change) => ({
            EventBusName: this.#bus,
            Source: jobStateEvent.source,
            DetailType: jobStateEvent.detailType,
            Time: new Date(change.at),
            Resources: [],
            Detail: JSON.stringify(change),
          })),
        }),
      );
      if (output.FailedEntryCount) {
        const failed = (output.Entries ?? []).find((entry) => entry.ErrorCode);
        throw new LonghaulError(
          ErrorCode.eventsFailed,
          `EventBridge refused ${output.FailedEntryCount} of ${batch.length} job state events: ${failed?.ErrorCode ?? 'unknown'} ${failed?.ErrorMessage ?? ''}`.trim(),
          { context: { eventBusName: this.#bus, failed: output.FailedEntryCount } },
        );
      }
    }
  }
}
