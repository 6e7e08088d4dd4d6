import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatTimer } from '../../src/runtime/heartbeat-timer.js';

function attempt(name: string, beats: string[]) {
  return { heartbeat: () => void beats.push(`${name}@${Date.now() - start}`) };
}

const start = Date.parse('2030-01-01T00:00:00Z');

describe('HeartbeatTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: start });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('beats each attempt every interval from its own start', () => {
    const beats: string[] = [];
    const timer = new HeartbeatTimer(1_000);
    const a = attempt('a', beats);
    const b = attempt('b', beats);
    timer.add(a);
    vi.advanceTimersByTime(300);
    timer.add(b);
    vi.advanceTimersByTime(2_000);
    expect(beats).toEqual(['a@1000', 'b@1300', 'a@2000', 'b@2300']);
  });

  it('stops beating an attempt once deleted, and lets go of its timer when none is left', () => {
    const beats: string[] = [];
    const timer = new HeartbeatTimer(1_000);
    const a = attempt('a', beats);
    const b = attempt('b', beats);
    timer.add(a);
    timer.add(b);
    vi.advanceTimersByTime(1_000);
    timer.delete(a);
    vi.advanceTimersByTime(1_000);
    timer.delete(b);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5_000);
    expect(beats).toEqual(['a@1000', 'b@1000', 'b@2000']);
  });

  it('beats the attempts after the first when the first was deleted before its beat', () => {
    const beats: string[] = [];
    const timer = new HeartbeatTimer(1_000);
    const a = attempt('a', beats);
    timer.add(a);
    vi.advanceTimersByTime(500);
    timer.add(attempt('b', beats));
    timer.delete(a);
    vi.advanceTimersByTime(1_000);
    expect(beats).toEqual(['b@1500']);
  });

  it('keeps beating the other attempts when one throws', () => {
    const beats: string[] = [];
    const timer = new HeartbeatTimer(1_000);
    timer.add({
      heartbeat: () => {
        throw new Error('boom');
      },
    });
    timer.add(attempt('b', beats));
    expect(() => vi.advanceTimersByTime(1_000)).toThrow('boom');
    expect(() => vi.advanceTimersByTime(1_000)).toThrow('boom');
    expect(beats).toEqual(['b@1000', 'b@2000']);
  });

  it('beats an attempt when the clock went back by more than an interval', () => {
    const beats: string[] = [];
    const timer = new HeartbeatTimer(1_000);
    timer.add(attempt('a', beats));
    vi.setSystemTime(start - 10_000);
    vi.advanceTimersByTime(1_000);
    expect(beats).toEqual(['a@-9000']);
  });
});
