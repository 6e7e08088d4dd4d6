import { decodeEnvelope, type JobStatus, MalformedMessageError, type WorkflowRecord } from 'longhaul';
import { MemoryEventBus } from 'longhaul/memory';
import { describe, expect, it } from 'vitest';
import { workflowState } from '../../src/core/workflow.js';

const envelope = (workflow: unknown) =>
  JSON.stringify({ v: 1, id: 'wf:0', task: 'a', args: null, enqueuedAt: 1, workflow });

describe('the envelope’s workflow field', () => {
  it('carries chains, group members and callbacks through decoding', () => {
    const chain = { kind: 'chain', id: 'wf', step: 0, next: [{ task: 'b', maxAttempts: 4 }] };
    const member = { kind: 'group', id: 'wf', index: 2, size: 3, callback: { task: 'c', maxAttempts: 1 } };
    const callback = { kind: 'callback', id: 'wf' };
    for (const workflow of [chain, member, callback]) {
      expect(decodeEnvelope(envelope(workflow)).workflow).toEqual(workflow);
    }
    expect(decodeEnvelope(envelope(undefined))).not.toHaveProperty('workflow');
  });

  it.each([
    ['an unknown kind', { kind: 'dag', id: 'wf' }],
    ['a member index outside the group', { kind: 'group', id: 'wf', index: 3, size: 3 }],
    ['a next step without its attempts', { kind: 'chain', id: 'wf', step: 0, next: [{ task: 'b' }] }],
    ['an id too long for its job ids', { kind: 'callback', id: 'x'.repeat(101) }],
  ])('rejects %s as a malformed message, keeping the job id', (_, workflow) => {
    let caught: unknown;
    try {
      decodeEnvelope(envelope(workflow));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MalformedMessageError);
    expect((caught as MalformedMessageError).context).toMatchObject({ id: 'wf:0' });
  });
});

describe('workflowState', () => {
  const group: WorkflowRecord = {
    id: 'g',
    kind: 'group',
    createdAt: 1,
    steps: [
      { task: 'a', jobId: 'g:0' },
      { task: 'a', jobId: 'g:1' },
    ],
    callback: { task: 'c', jobId: 'g:callback' },
  };
  const state = (statuses: Record<string, JobStatus>) =>
    workflowState(group, new Map(Object.entries(statuses)));

  it('keeps a group running until every member and its callback have ended', () => {
    expect(state({ 'g:0': 'succeeded', 'g:1': 'running' })).toMatchObject({ status: 'running', done: 1 });
    expect(state({ 'g:0': 'failed', 'g:1': 'retrying' }).status).toBe('running');
    expect(state({ 'g:0': 'succeeded', 'g:1': 'succeeded' })).toMatchObject({
      status: 'running',
      done: 2,
      callback: { status: 'pending' },
    });
    expect(state({ 'g:0': 'succeeded', 'g:1': 'succeeded', 'g:callback': 'succeeded' }).status).toBe(
      'succeeded',
    );
  });

  it('fails a group once its members ended with one failed or cancelled, or its callback failed', () => {
    expect(state({ 'g:0': 'cancelled', 'g:1': 'succeeded' }).status).toBe('failed');
    expect(state({ 'g:0': 'succeeded', 'g:1': 'succeeded', 'g:callback': 'failed' }).status).toBe('failed');
  });

  it('ends a chain at its first step that does not succeed', () => {
    const { callback: _, ...members } = group;
    const chain: WorkflowRecord = { ...members, kind: 'chain' };
    const of = (statuses: Record<string, JobStatus>) =>
      workflowState(chain, new Map(Object.entries(statuses)));
    expect(of({ 'g:0': 'succeeded' })).toMatchObject({
      status: 'running',
      steps: [{}, { status: 'pending' }],
    });
    expect(of({ 'g:0': 'failed' }).status).toBe('failed');
    expect(of({ 'g:0': 'succeeded', 'g:1': 'succeeded' })).toMatchObject({ status: 'succeeded', done: 2 });
  });
});

describe('MemoryEventBus', () => {
  it('gives each subscriber every change, isolated from a throwing one, until it unsubscribes', async () => {
    const bus = new MemoryEventBus();
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('a broken listener');
    });
    const unsubscribe = bus.subscribe((change) => seen.push(`${change.jobId}:${change.status}`));
    const change = { jobId: 'j', task: 't', attempt: 0, at: 1 } as const;
    await bus.publish([
      { ...change, status: 'queued' },
      { ...change, status: 'running' },
    ]);
    unsubscribe();
    await bus.publish([{ ...change, status: 'succeeded' }]);
    expect(seen).toEqual(['j:queued', 'j:running']);
  });
});
