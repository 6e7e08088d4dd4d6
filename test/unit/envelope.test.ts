import { decodeEnvelope, encodeEnvelope, InvalidJobIdError, MalformedMessageError } from 'longhaul';
import { describe, expect, it } from 'vitest';
import { priorityOfBody, salvageFrom } from '../../src/core/envelope.js';

function body(fields: Record<string, unknown>): string {
  return JSON.stringify({
    v: 1,
    id: 'job-1',
    task: 'math.add',
    args: { a: 1 },
    enqueuedAt: 1_000,
    ...fields,
  });
}

function decodeError(raw: string): MalformedMessageError {
  try {
    decodeEnvelope(raw);
  } catch (error) {
    if (error instanceof MalformedMessageError) return error;
    throw error;
  }
  throw new Error(`expected ${raw} to be rejected`);
}

describe('encodeEnvelope and decodeEnvelope', () => {
  it('round-trips an envelope, stamping the current version', () => {
    const envelope = {
      id: 'job-1',
      task: 'images.resize',
      args: { key: 'a.png', width: 200 },
      enqueuedAt: 42,
    };

    const decoded = decodeEnvelope(encodeEnvelope(envelope));

    expect(decoded).toEqual({ v: 1, ...envelope });
  });

  it('encodes plain JSON data and nothing else', () => {
    const raw = encodeEnvelope({ id: 'job-1', task: 't', args: [1, 'two'], enqueuedAt: 7 });

    expect(JSON.parse(raw)).toEqual({ v: 1, id: 'job-1', task: 't', args: [1, 'two'], enqueuedAt: 7 });
  });

  it('decodes an envelope without args as args undefined', () => {
    const { args: _omitted, ...rest } = JSON.parse(body({})) as Record<string, unknown>;

    expect(decodeEnvelope(JSON.stringify(rest)).args).toBeUndefined();
  });

  it('drops fields the envelope does not define', () => {
    expect(decodeEnvelope(body({ extra: 'ignored' }))).not.toHaveProperty('extra');
  });

  it('carries who writes the record and whether the envelope describes it whole, and rejects anything but true', () => {
    expect(decodeEnvelope(body({ plainRecord: true, pendingRecord: true }))).toMatchObject({
      plainRecord: true,
      pendingRecord: true,
    });
    expect(decodeError(body({ plainRecord: 1 })).message).toContain('"plainRecord" must be true');
    expect(decodeError(body({ workerRecord: 'yes' })).message).toContain('"workerRecord" must be true');
  });

  it('accepts an id of exactly 128 characters', () => {
    expect(decodeEnvelope(body({ id: 'x'.repeat(128) })).id).toHaveLength(128);
  });

  it('carries a high or low priority, drops normal, and rejects an unknown one', () => {
    expect(decodeEnvelope(body({ priority: 'high' })).priority).toBe('high');
    expect(decodeEnvelope(body({ priority: 'normal' }))).not.toHaveProperty('priority');
    expect(decodeError(body({ priority: 'urgent' })).message).toContain('"priority" must be');
    expect(priorityOfBody(body({ priority: 'low' }))).toBe('low');
    expect(priorityOfBody(body({ priority: 'urgent' }))).toBe('normal');
    expect(priorityOfBody('not json, "priority"')).toBe('normal');
  });
});

describe('decodeEnvelope on a malformed body', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a body that is not JSON', '{not json', /not JSON/],
    ['a JSON string', '"just a string"', /not a JSON object/],
    ['JSON null', 'null', /not a JSON object/],
    ['a JSON array', '[1,2,3]', /not a JSON object/],
    ['an unknown version', body({ v: 2 }), /unsupported envelope version 2/],
    ['a missing version', body({ v: undefined }), /unsupported envelope version/],
    ['a missing id', body({ id: undefined }), /"id" must be a non-empty string/],
    ['an empty id', body({ id: '' }), /"id" must be a non-empty string/],
    ['an id longer than 128 characters', body({ id: 'x'.repeat(129) }), /at most 128 characters/],
    ['a numeric id', body({ id: 17 }), /"id" must be a non-empty string/],
    ['a missing task', body({ task: undefined }), /"task" must be a non-empty string/],
    ['an empty task', body({ task: '' }), /"task" must be a non-empty string/],
    ['a missing enqueuedAt', body({ enqueuedAt: undefined }), /"enqueuedAt" must be a number/],
    ['a date without a time', body({ enqueuedAt: '2024-01-01' }), /"enqueuedAt" must be a number/],
    ['a time without a zone', body({ enqueuedAt: '2024-01-01T10:00:00' }), /or an ISO 8601 time/],
    ['a null enqueuedAt', body({ enqueuedAt: null }), /"enqueuedAt" must be a number/],
  ];

  it.each(cases)('rejects %s with a MalformedMessageError', (_label, raw, reason) => {
    const error = decodeError(raw);

    expect(error).toBeInstanceOf(MalformedMessageError);
    expect(error.code).toBe('malformed_message');
    expect(error.message).toMatch(/^Malformed job message: /);
    expect(error.message).toMatch(reason);
  });

  it('keeps the JSON parse error as the cause of a body that is not JSON', () => {
    expect(decodeError('{not json').cause).toBeInstanceOf(SyntaxError);
  });
});

describe('salvageFrom', () => {
  it('recovers the id and task of a body that fails on a later field', () => {
    const error = decodeError(body({ v: 99, id: 'job-7', task: 'emails.send' }));

    expect(salvageFrom(error)).toEqual({ id: 'job-7', task: 'emails.send' });
  });

  it('recovers the id even when the task is missing', () => {
    const error = decodeError(body({ id: 'job-8', task: undefined }));

    expect(salvageFrom(error)).toEqual({ id: 'job-8' });
  });

  it('recovers the task but no id when the id is invalid', () => {
    const error = decodeError(body({ id: 'x'.repeat(129), task: 'emails.send' }));

    expect(salvageFrom(error)).toEqual({ task: 'emails.send' });
  });

  it('salvages no id that begins with the reserved "#", and names the rule in an InvalidJobIdError cause', () => {
    const error = decodeError(body({ id: '#limit#emails.send', task: 'emails.send' }));

    expect(error.message).toMatch(/reserved prefix "#"/);
    expect(error.cause).toBeInstanceOf(InvalidJobIdError);
    expect(error.cause).toMatchObject({ code: 'invalid_job_id', context: { rule: 'reserved-prefix' } });
    expect(salvageFrom(error)).toEqual({ task: 'emails.send' });
  });

  it('salvages no id that is not well-formed UTF-16', () => {
    const error = decodeError(body({ id: 'half \uD800', task: 'emails.send' }));

    expect(error.cause).toMatchObject({ code: 'invalid_job_id', context: { rule: 'utf16' } });
    expect(salvageFrom(error)).toEqual({ task: 'emails.send' });
  });

  it('refuses a workflow reference whose id would give its next jobs reserved ids', () => {
    const workflow = {
      kind: 'chain',
      id: '#limit#emails.send#t',
      step: 0,
      next: [{ task: 'a', maxAttempts: 1 }],
    };
    expect(decodeError(body({ workflow })).message).toMatch(/"workflow" is not a valid workflow reference/);
    expect(() => decodeEnvelope(body({ workflow: { ...workflow, id: 'flow-1' } }))).not.toThrow();
  });

  it('recovers nothing from a body that is not JSON', () => {
    expect(salvageFrom(decodeError('%%%'))).toEqual({});
  });

  it('recovers nothing from a JSON array', () => {
    expect(salvageFrom(decodeError('["job-1"]'))).toEqual({});
  });
});
