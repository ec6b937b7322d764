import { describe, expect, it } from '@jest/globals';
import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('frames events split anywhere across chunks', () => {
    const stream = 'id: 7\nevent: message.received\ndata: {"a":1}\n\n: keep-alive\n\ndata: {"b":2}\r\n\r\n';
    const parser = new SseParser();
    const events = [...stream].flatMap((char) => parser.push(char));
    expect(events).toEqual([
      { event: 'message.received', data: '{"a":1}', id: '7' },
      { event: 'message', data: '{"b":2}', id: '7' },
    ]);
  });

  it('joins multi-line data and ignores unknown fields and empty events', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 10\ndata: one\ndata:two\n\nevent: x\n\n')).toEqual([{ event: 'message', data: 'one\ntwo', id: undefined }]);
  });
});
