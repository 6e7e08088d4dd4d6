// What EventBridge does with a rule target's input transformer, for firing a deployed schedule's target
// by hand: the emulator never fires scheduled rules on its own (and moto fills `<time>` with an epoch
// float where AWS gives ISO 8601), so the test renders the deployed transformer as AWS documents it.

/** The value at a simple JSONPath (`$.time`, `$.detail.id`) of an event. */
function at(event: Record<string, unknown>, path: string): unknown {
  if (path === '$') return event;
  let value: unknown = event;
  for (const key of path.replace(/^\$\./, '').split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

/**
 * What EventBridge sends for an input transformer: each `<name>` placeholder replaced by the value at its
 * input path, as JSON outside a string and inserted raw (escaped for the string) inside one.
 */
export function renderInputTransformer(
  transformer: { InputPathsMap?: Record<string, string> | undefined; InputTemplate?: string | undefined },
  event: Record<string, unknown>,
): string {
  const values = Object.fromEntries(
    Object.entries(transformer.InputPathsMap ?? {}).map(([name, path]) => {
      const value = at(event, path);
      if (value === undefined) throw new Error(`The test event has no ${path}`);
      return [name, value];
    }),
  );
  const template = transformer.InputTemplate ?? '';
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const char = template[i] as string;
    if (char === '\\' && inString) {
      out += char + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (char === '"') inString = !inString;
    const placeholder = char === '<' ? /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i)) : null;
    const value = placeholder ? values[placeholder[1] as string] : undefined;
    if (placeholder && value !== undefined) {
      const json = JSON.stringify(value);
      out += inString && typeof value === 'string' ? json.slice(1, -1) : json;
      i += placeholder[0].length - 1;
      continue;
    }
    out += char;
  }
  return out;
}

/** A scheduled event as EventBridge sends it to a rule's targets. */
export function scheduledEvent(time: string, ruleArn: string): Record<string, unknown> {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time,
    region: process.env.AWS_REGION ?? 'us-east-1',
    resources: [ruleArn],
    detail: {},
  };
}
