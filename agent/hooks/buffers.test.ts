import { describe, expect, it } from 'vitest';
import { LineSplitter } from './lines.ts';
import { logTimestamp } from './script-log.ts';
import { OutputTail } from './tail.ts';

describe('OutputTail', () => {
  it('keeps exactly the last limit bytes and never starts inside a UTF-8 character', () => {
    const tail = new OutputTail(10);
    tail.push('0123456789');
    tail.push('é€😀\n'); // 2 + 3 + 4 + 1 bytes
    const text = tail.render();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(10);
    expect(text).toBe('é€😀\n');
    tail.push('x');
    expect(tail.render()).toBe('€😀\nx'); // the cut falls inside "é": its stray byte is dropped
  });

  it('stays bounded over many entries', () => {
    const tail = new OutputTail(4096);
    for (let i = 0; i < 100_000; i++) tail.push(`[stdout]line ${i}\n`);
    const text = tail.render();
    expect(Buffer.byteLength(text)).toBe(4096);
    expect(text.endsWith('[stdout]line 99999\n')).toBe(true);
  });
});

describe('LineSplitter', () => {
  it('joins lines across chunks and flushes an unterminated last line', () => {
    const s = new LineSplitter();
    expect(s.feed(Buffer.from('ab'))).toEqual([]);
    expect(s.feed(Buffer.from('c\nd\n\ne'))).toEqual(['abc', 'd', '']);
    expect(s.flush()).toEqual(['e']);
    expect(s.flush()).toEqual([]);
  });

  it('caps an over-long line and resumes at the next newline', () => {
    const s = new LineSplitter(4);
    expect(s.feed(Buffer.from('abcdefgh'))).toEqual([]);
    expect(s.feed(Buffer.from('ij\nok\n'))).toEqual(['abcd [line truncated at 4 bytes]', 'ok']);
  });
});

it('logTimestamp renders local time without zone', () => {
  const d = new Date(2024, 0, 2, 3, 4, 5);
  expect(logTimestamp(d.getTime())).toBe('2024-01-02 03:04:05 ');
});
