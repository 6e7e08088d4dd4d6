import { describe, expect, it } from 'vitest';
import { type SseEvent, SseParser } from '../../src/browser/sse-parser.js';

function parse(chunks: readonly string[], lastEventId = ''): { events: SseEvent[]; retries: number[] } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = new SseParser(
    { onEvent: (event) => events.push(event), onRetry: (ms) => retries.push(ms) },
    lastEventId,
  );
  for (const chunk of chunks) parser.push(chunk);
  return { events, retries };
}

const stream =
  'retry: 2000\n: ping\n\nid: 1\nevent: snapshot\ndata: {"a":1}\n\nid: 2\nevent: log\ndata: first\ndata: second\n\n' +
  'data: unnamed\n\n';
const expected: SseEvent[] = [
  { type: 'snapshot', data: '{"a":1}', id: '1' },
  { type: 'log', data: 'first\nsecond', id: '2' },
  { type: 'message', data: 'unnamed', id: '2' },
];

describe('SseParser', () => {
  it('dispatches named events with their data and id, and a default type for unnamed ones', () => {
    const { events, retries } = parse([stream]);
    expect(events).toEqual(expected);
    expect(retries).toEqual([2000]);
  });

  it('gives the same events however the stream is cut into chunks', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(parse([stream.slice(0, cut), stream.slice(cut)]).events).toEqual(expected);
    }
    expect(parse([...stream]).events).toEqual(expected);
  });

  it('accepts CRLF and lone CR line endings, also when a CRLF is split between chunks', () => {
    const crlf = stream.replaceAll('\n', '\r\n');
    const cr = stream.replaceAll('\n', '\r');
    expect(parse([crlf]).events).toEqual(expected);
    expect(parse([cr]).events).toEqual(expected);
    for (let cut = 0; cut <= crlf.length; cut++) {
      expect(parse([crlf.slice(0, cut), crlf.slice(cut)]).events).toEqual(expected);
    }
  });

  it('skips comments and does not dispatch an event without data', () => {
    const { events } = parse([': ping\n\nevent: status\n\nid: 7\n\n: ping\n\ndata: x\n\n']);
    expect(events).toEqual([{ type: 'message', data: 'x', id: '7' }]);
  });

  it('holds back an event until its blank line arrives', () => {
    const events: SseEvent[] = [];
    const parser = new SseParser({ onEvent: (event) => events.push(event) });
    parser.push('event: progress\ndata: {}\n');
    expect(events).toEqual([]);
    parser.push('\n');
    expect(events).toEqual([{ type: 'progress', data: '{}', id: '' }]);
  });

  it('strips one space after the colon only, and takes a line without a colon as a field name', () => {
    const { events } = parse(['data:  two spaces\ndata\ndata:none\n\n']);
    expect(events).toEqual([{ type: 'message', data: ' two spaces\n\nnone', id: '' }]);
  });

  it('keeps the last id, ignores an id with a NUL, and starts from the id it was given', () => {
    const parser = new SseParser({ onEvent: () => undefined }, '41');
    expect(parser.lastEventId).toBe('41');
    parser.push('id: 42\ndata: a\n\nid: bad\u0000id\ndata: b\n\n');
    expect(parser.lastEventId).toBe('42');
    expect(parse(['data: a\n\n'], '9').events).toEqual([{ type: 'message', data: 'a', id: '9' }]);
  });

  it('takes only an all-digit retry field, and strips a leading byte order mark', () => {
    const { events, retries } = parse(['\ufeffretry: 1.5\nretry: x\nretry: 300\ndata: a\n\n']);
    expect(retries).toEqual([300]);
    expect(events).toEqual([{ type: 'message', data: 'a', id: '' }]);
  });

  it('ignores unknown fields', () => {
    expect(parse(['foo: bar\ndata: a\n\n']).events).toEqual([{ type: 'message', data: 'a', id: '' }]);
  });
});
