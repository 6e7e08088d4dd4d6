/**
 * Plain values as DynamoDB attribute values, for the job writes every job makes (create, claim,
 * complete), which are sent as low-level commands rather than through the document client: its
 * marshalling layer wraps every request and walks every input and output, about a tenth of a write's
 * client CPU in a steady-state run (docs/benchmarks-hot-path.md). Strings, finite numbers, booleans and
 * null are converted directly; anything else goes through `marshall` with the options the document client
 * uses, so every value is stored exactly as it was before.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

/**
 * The document client's options in this backend (`awsBackend`): absent fields are left out. Frozen, and
 * handed to the document client as a copy: lib-dynamodb adds `convertTopLevelContainer` to the options
 * object it is given, which would change what `marshall` returns here.
 */
export const marshallOptions = Object.freeze({
  removeUndefinedValues: true,
  convertClassInstanceToMap: true,
});

/** A map of plain values (an item, or expression values); `undefined` entries are left out. */
export function toAttributeValues(values: Readonly<Record<string, unknown>>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const key in values) {
    const value = values[key];
    if (value === undefined) continue;
    out[key] = toAttributeValue(value);
  }
  return out;
}

function toAttributeValue(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' && Number.isFinite(value)) return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null) return { NULL: true };
  return marshall({ value }, marshallOptions).value as AttributeValue;
}
