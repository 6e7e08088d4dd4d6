import { describe, expect, it } from 'vitest';
import { UpdateExpression } from '../../src/backends/aws/update-expression.js';

describe('UpdateExpression', () => {
  it('puts every name and value of a SET behind placeholders', () => {
    const u = new UpdateExpression().set('status', 'running').set('attempts', 2);

    expect(u.updateExpression).toBe('SET #status = :v0, #attempts = :v1');
    expect(u.parameters).toEqual({
      ExpressionAttributeNames: { '#status': 'status', '#attempts': 'attempts' },
      ExpressionAttributeValues: { ':v0': 'running', ':v1': 2 },
    });
  });

  it('sets an attribute only where it is missing with if_not_exists', () => {
    const u = new UpdateExpression().setIfMissing('task', 'math.add');

    expect(u.updateExpression).toBe('SET #task = if_not_exists(#task, :v0)');
    expect(u.values).toEqual({ ':v0': 'math.add' });
  });

  it('appends to a list, starting it when missing', () => {
    const u = new UpdateExpression().append('logs', [{ message: 'hi' }]);

    expect(u.updateExpression).toBe('SET #logs = list_append(if_not_exists(#logs, :v0), :v1)');
    expect(u.values).toEqual({ ':v0': [], ':v1': [{ message: 'hi' }] });
  });

  it('adds nothing for an empty append', () => {
    const u = new UpdateExpression().append('logs', []);

    expect(u.updateExpression).toBe('');
    expect(u.parameters).toEqual({ ExpressionAttributeNames: {} });
  });

  it('increments a number from 0 when missing, by 1 unless told', () => {
    const u = new UpdateExpression().increment('attempts').increment('retries', 3);

    expect(u.updateExpression).toBe(
      'SET #attempts = if_not_exists(#attempts, :v0) + :v1, #retries = if_not_exists(#retries, :v2) + :v3',
    );
    expect(u.values).toEqual({ ':v0': 0, ':v1': 1, ':v2': 0, ':v3': 3 });
  });

  it('removes attributes in a REMOVE clause after the SET clause', () => {
    const u = new UpdateExpression().remove('leaseExpiresAt', 'nextAttemptAt').set('status', 'failed');

    expect(u.updateExpression).toBe('SET #status = :v0 REMOVE #leaseExpiresAt, #nextAttemptAt');
    expect(u.names).toEqual({
      '#leaseExpiresAt': 'leaseExpiresAt',
      '#nextAttemptAt': 'nextAttemptAt',
      '#status': 'status',
    });
  });

  it('omits ExpressionAttributeValues when there are no values', () => {
    const u = new UpdateExpression().remove('error');

    expect(u.updateExpression).toBe('REMOVE #error');
    expect(u.parameters).toEqual({ ExpressionAttributeNames: { '#error': 'error' } });
  });

  it('builds an IN condition with a placeholder per option', () => {
    const u = new UpdateExpression();

    expect(u.in('status', ['queued', 'retrying'])).toBe('#status IN (:v0, :v1)');
    expect(u.values).toEqual({ ':v0': 'queued', ':v1': 'retrying' });
  });

  it.each(['=', '<', '<=', '>', '>=', '<>'] as const)('builds a %s comparison', (operator) => {
    const u = new UpdateExpression();

    expect(u.compare('leaseExpiresAt', operator, 5)).toBe(`#leaseExpiresAt ${operator} :v0`);
    expect(u.values).toEqual({ ':v0': 5 });
  });

  it('numbers values across the update and its condition without reusing a placeholder', () => {
    const u = new UpdateExpression().set('status', 'running');
    const condition = [u.compare('status', '=', 'queued'), u.compare('attempts', '=', 0)].join(' AND ');

    expect(u.updateExpression).toBe('SET #status = :v0');
    expect(condition).toBe('#status = :v1 AND #attempts = :v2');
    expect(u.parameters).toEqual({
      ExpressionAttributeNames: { '#status': 'status', '#attempts': 'attempts' },
      ExpressionAttributeValues: { ':v0': 'running', ':v1': 'queued', ':v2': 0 },
    });
  });

  it('keeps one name placeholder for an attribute used several times', () => {
    const u = new UpdateExpression().setIfMissing('logs', []).set('status', 'x');
    u.compare('status', '<>', 'y');

    expect(Object.keys(u.names)).toEqual(['#logs', '#status']);
  });

  it('hides reserved words such as status, error and result behind name placeholders', () => {
    const u = new UpdateExpression().set('status', 's').set('error', 'e').set('result', 'r');

    expect(u.updateExpression).not.toMatch(/(^|[\s,])(status|error|result)\b/);
  });

  it('keeps value objects as given, for the document client to marshal', () => {
    const error = { name: 'Error', message: 'boom', code: 'task_error' };

    expect(new UpdateExpression().set('error', error).values[':v0']).toBe(error);
  });

  it('gives an empty expression when nothing was added', () => {
    expect(new UpdateExpression().updateExpression).toBe('');
  });
});

describe('a job transition', () => {
  it('sets the status after every other attribute, so a reader that sees the status sees the rest', () => {
    // DynamoDB applies an UpdateItem atomically, but moto applies its actions one by one while other
    // requests read the item: a poller that saw `failed` could miss `deadLettered`, written after it.
    const u = new UpdateExpression()
      .setLast('status', 'failed')
      .set('error', { code: 'x' })
      .set('deadLettered', true)
      .append('history', [{ status: 'failed' }])
      .remove('leaseToken');

    expect(u.updateExpression).toBe(
      'SET #error = :v1, #deadLettered = :v2, #history = list_append(if_not_exists(#history, :v3), :v4), #status = :v0 REMOVE #leaseToken',
    );
  });
});
