import {
  ConfigError,
  InvalidArgsError,
  JobConflictError,
  LonghaulError,
  TaskTimeoutError,
  UnrecoverableError,
  WorkerLostError,
} from 'longhaul';
import { describe, expect, it } from 'vitest';
import { serializeError } from '../../src/core/errors.js';

describe('serializeError', () => {
  it('keeps the code and class name of a Longhaul error', () => {
    const serialized = serializeError(new TaskTimeoutError('images.resize', 500));

    expect(serialized).toMatchObject({
      name: 'TaskTimeoutError',
      code: 'timeout',
      message: 'Task "images.resize" did not finish within 500 ms',
    });
  });

  it.each([
    [new UnrecoverableError('account deleted'), 'UnrecoverableError', 'unrecoverable'],
    [new WorkerLostError('w-1', 2), 'WorkerLostError', 'worker_lost'],
    [new JobConflictError('job-1', 'cancel', 'running'), 'JobConflictError', 'job_conflict'],
    [new ConfigError('bad'), 'ConfigError', 'invalid_config'],
    [new InvalidArgsError('t', [{ message: 'Required', path: ['a'] }]), 'InvalidArgsError', 'invalid_args'],
    [new LonghaulError('custom_code', 'custom'), 'LonghaulError', 'custom_code'],
  ])('serializes %o with its name and code', (error, name, code) => {
    expect(serializeError(error)).toMatchObject({ name, code, message: error.message });
  });

  it('gives a plain Error the task_error code', () => {
    const serialized = serializeError(new TypeError('x is not a function'));

    expect(serialized).toMatchObject({
      name: 'TypeError',
      message: 'x is not a function',
      code: 'task_error',
    });
  });

  it("keeps a plain Error's own string code, such as a Node system error's", () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

    expect(serializeError(error).code).toBe('ECONNREFUSED');
  });

  it('ignores a code that is not a string', () => {
    const error = Object.assign(new Error('http 500'), { code: 500 });

    expect(serializeError(error).code).toBe('task_error');
  });

  it.each([
    ['a string', 'plain string thrown', 'plain string thrown'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
  ])('turns %s thrown into a task_error with no stack', (_label, thrown, message) => {
    expect(serializeError(thrown)).toEqual({ name: 'Error', message, code: 'task_error' });
  });

  it('keeps the stack of an Error', () => {
    const error = new Error('with a stack');

    expect(serializeError(error).stack).toBe(error.stack);
  });

  it('omits the stack when the error has none', () => {
    const error = new Error('no stack');
    Object.defineProperty(error, 'stack', { value: undefined });

    expect(serializeError(error)).not.toHaveProperty('stack');
  });

  it('bounds a long stack to 8 000 characters', () => {
    const error = new Error('deep');
    error.stack = `Error: deep\n${'    at frame (file.js:1:1)\n'.repeat(1_000)}`;

    const stack = serializeError(error).stack ?? '';

    expect(stack).toHaveLength(8_000);
    expect(error.stack.startsWith(stack)).toBe(true);
  });
});

describe('LonghaulError', () => {
  it('names itself after the concrete class and keeps its cause and context', () => {
    const cause = new Error('root');
    const error = new UnrecoverableError('gone', { cause, context: { userId: 'u-1' } });

    expect(error).toBeInstanceOf(LonghaulError);
    expect(error.name).toBe('UnrecoverableError');
    expect(error.cause).toBe(cause);
    expect(error.context).toEqual({ userId: 'u-1' });
  });

  it('summarizes at most five validation issues with their paths', () => {
    const issues = Array.from({ length: 7 }, (_, i) => ({ message: `bad ${i}`, path: ['items', i] }));

    const error = new InvalidArgsError('t', issues);

    expect(error.message).toContain('items.0: bad 0');
    expect(error.message).toContain('items.4: bad 4');
    expect(error.message).not.toContain('bad 5');
    expect(error.issues).toHaveLength(7);
  });
});
