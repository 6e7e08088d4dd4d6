import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';

/**
 * The bus job state changes go to: a new one for `true` (named `<prefix>-jobs` when there is a prefix),
 * the given one, or none.
 */
export function resolveEventBus(
  scope: Construct,
  prop: boolean | events.IEventBus | undefined,
  prefix: string | undefined,
): events.IEventBus | undefined {
  if (prop === undefined || prop === false) return undefined;
  if (prop === true) {
    const bus = new events.EventBus(scope, 'EventBus', prefix ? { eventBusName: `${prefix}-jobs` } : {});
    // EventBus declares `eventSourceName` optional where IEventBus does not (exactOptionalPropertyTypes).
    return bus as events.IEventBus;
  }
  return prop;
}
