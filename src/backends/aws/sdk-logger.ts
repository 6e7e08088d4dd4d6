/**
 * The logger of the SDK clients Longhaul creates: silent, like the SDK's default, but with no `info`.
 *
 * The SDK's logger middleware calls `logger.info?.({ input: filter(input), output: filter(output) })`
 * after every request, where each filter copies the whole request or response with sensitive members
 * redacted. Its default logger is a no-op that has an `info`, so every request paid for two copies
 * nobody saw: on a DynamoDB update that sends the item back, about 7% of the client's CPU per request
 * (scripts/bench measurements, 2026-12-07). With no `info`, the optional call skips its arguments.
 * Warnings and errors stay silent, as with the SDK's default; Longhaul reports failures itself.
 */
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

type Logger = NonNullable<DynamoDBClientConfig['logger']>;

const silent = (): void => undefined;

// The cast is the point: `Logger` requires `info`, and its absence is what skips the copies.
export const sdkLogger = { trace: silent, debug: silent, warn: silent, error: silent } as unknown as Logger;
