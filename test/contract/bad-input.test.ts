import {
  defineTask,
  encodeEnvelope,
  InvalidJobIdError,
  JobConflictError,
  JobNotFoundError,
  PayloadTooLargeError,
} from 'longhaul';
import { describe, expect, it } from 'vitest';
import { contractBackends } from '../support/backends.js';
import { useContractBackend } from '../support/contract.js';
import { eventually, serveUntil, testWorker } from '../support/serve.js';

// Every kind of bad input gets a typed error on its job (when it has one), its message moves to the
// dead-letter queue at once, and the worker goes on serving the next job.
describe.each(contractBackends('contract/bad-input'))('bad input on the $name backend', (factory) => {
  const s = useContractBackend(factory);

  const sendRaw = (body: string) => s.t.backend.transport.send([{ body }]);
  const envelope = (fields: { id: string; task: string; args?: unknown }) =>
    encodeEnvelope({ args: undefined, enqueuedAt: Date.now(), ...fields });

  /** Serves until the bad message is dead-lettered and a good job sent after it has succeeded. */
  async function serveBadThenGood() {
    const good = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 20, b: 22 });
    const worker = testWorker(s.t.backend, s.fixtures.all);
    await serveUntil(worker, async () => {
      const job = await s.longhaul.getJob(good.id);
      return job.status === 'succeeded' && worker.stats.deadLettered === 1;
    });
    expect(worker.stats.crashed).toBe(0);
    return worker;
  }

  it('dead-letters a body that is not JSON and keeps serving', async () => {
    await sendRaw('this is not json {');
    await serveBadThenGood();
    expect(await s.t.deadLetters()).toEqual([{ body: 'this is not json {', code: 'malformed_message' }]);
  });

  it('records a malformed envelope on the job it names', async () => {
    await sendRaw(JSON.stringify({ v: 99, id: 'job-from-the-future', task: 'math.add' }));
    await serveBadThenGood();
    const job = await s.longhaul.getJob('job-from-the-future');
    expect(job).toMatchObject({
      status: 'failed',
      deadLettered: true,
      error: { code: 'malformed_message', name: 'MalformedMessageError' },
    });
    expect(job.error?.message).toContain('unsupported envelope version 99');
  });

  it('fails a job whose task is not registered, never importing anything', async () => {
    await sendRaw(envelope({ id: 'job-unknown-task', task: '../../etc/passwd', args: {} }));
    await serveBadThenGood();
    const job = await s.longhaul.getJob('job-unknown-task');
    expect(job).toMatchObject({
      status: 'failed',
      attempts: 0,
      task: '../../etc/passwd',
      error: { code: 'unknown_task' },
    });
    expect(await s.t.deadLetters()).toEqual([
      expect.objectContaining({ code: 'unknown_task', jobId: 'job-unknown-task' }),
    ]);
  });

  it('fails a job whose arguments fail the schema in the worker, without running it', async () => {
    await sendRaw(envelope({ id: 'job-bad-args', task: 'math.add', args: { a: 'one' } }));
    await serveBadThenGood();
    const job = await s.longhaul.getJob('job-bad-args');
    expect(job).toMatchObject({
      status: 'failed',
      attempts: 0,
      error: { code: 'invalid_args', name: 'InvalidArgsError' },
    });
    expect(job.error?.message).toMatch(/a: .*b: /s);
    expect(s.fixtures.runs.add).toBe(1); // only the good job ran
  });

  it('fails a job whose result is too large to store, without retrying', async () => {
    const handle = await s.longhaul.enqueue(s.fixtures.tasks.huge);
    const worker = testWorker(s.t.backend, s.fixtures.all);
    const job = await serveUntil(worker, async () => {
      const current = await s.longhaul.getJob(handle.id);
      return current.status === 'failed' && current;
    });
    expect(job).toMatchObject({ attempts: 1, deadLettered: true, error: { code: 'result_too_large' } });
    expect(job.result).toBeUndefined();
    expect(s.fixtures.runs.huge).toBe(1);
    await eventually(async () => (await s.t.deadLetters()).length === 1);
  });

  it('dead-letters a message whose job id is reserved for internal items, recording nothing under it', async () => {
    await sendRaw(envelope({ id: '#limit#math.add', task: 'math.add', args: { a: 1, b: 2 } }));
    await serveBadThenGood();
    expect(await s.t.deadLetters()).toEqual([expect.objectContaining({ code: 'invalid_job_id' })]);
    expect((await s.t.deadLetters())[0]?.jobId).toBeUndefined();
    expect(s.fixtures.runs.add).toBe(1); // only the good job ran
  });

  it('refuses a jobId that belongs to a job of another task rather than return a handle that lies', async () => {
    const first = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 }, { jobId: 'shared-id' });
    expect(first.created).toBe(true);
    const second = s.longhaul.enqueue(s.fixtures.tasks.slow, { ms: 1 } as never, { jobId: 'shared-id' });
    await expect(second).rejects.toBeInstanceOf(JobConflictError);
    await expect(second).rejects.toThrow(/"shared-id".*task "math\.add"/);
    // The same task and id is still the idempotent retry it always was.
    const again = await s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 }, { jobId: 'shared-id' });
    expect(again).toMatchObject({ id: 'shared-id', task: 'math.add', created: false });
    expect((await s.longhaul.getJob('shared-id')).task).toBe('math.add');
  });

  it('refuses a jobId in the key space of internal items before anything is stored', async () => {
    const attempt = s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2 }, { jobId: '#limit#math.add' });
    await expect(attempt).rejects.toBeInstanceOf(InvalidJobIdError);
    await expect(attempt).rejects.toThrow(/must not begin with "#"/);
    expect(await s.t.backend.store.get('#limit#math.add')).toBeUndefined();
  });

  it('never reads, cancels or retries an internal item as if it were a job', async () => {
    const keyed = defineTask({ name: 'keyed', unique: { key: () => 'k' }, run: () => 1 });
    await s.longhaul.enqueue(keyed);
    const holdId = '#key#keyed#k';
    await expect(s.longhaul.getJob(holdId)).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(s.longhaul.cancel(holdId)).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(s.longhaul.retry(holdId)).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(s.longhaul.waitForResult(holdId)).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it('refuses arguments too large for a job at enqueue', async () => {
    await expect(
      s.longhaul.enqueue(s.fixtures.tasks.add, { a: 1, b: 2, pad: 'x'.repeat(200_000) } as never),
    ).rejects.toBeInstanceOf(PayloadTooLargeError);
  });
});
