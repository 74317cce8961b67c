import { describe, expect, it } from 'vitest';
import { encodeLine, LineDecoder, LineTooLongError } from '../../../src/wire/index.js';

describe('LineDecoder', () => {
  it('splits lines across and within chunks', () => {
    const d = new LineDecoder();
    expect(d.push(Buffer.from('{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(d.bufferedBytes).toBe(4);
    expect(d.push(Buffer.from(':2}\n\n{"c":3}\r\n'))).toEqual(['{"b":2}', '{"c":3}']);
    expect(d.bufferedBytes).toBe(0);
  });

  it('keeps multi-byte UTF-8 intact when split mid-character', () => {
    const d = new LineDecoder();
    const bytes = Buffer.from('"héllo"\n');
    expect(d.push(bytes.subarray(0, 3))).toEqual([]);
    expect(d.push(bytes.subarray(3))).toEqual(['"héllo"']);
  });

  it('throws once an unterminated line passes the limit', () => {
    const d = new LineDecoder(10);
    expect(d.push(Buffer.from('12345'))).toEqual([]);
    expect(() => d.push(Buffer.from('678901'))).toThrow(LineTooLongError);
  });

  it('throws for a complete line over the limit too', () => {
    const d = new LineDecoder(4);
    expect(() => d.push(Buffer.from('123456\n'))).toThrow(LineTooLongError);
  });
});

describe('encodeLine', () => {
  it('is one line even when strings contain newlines', () => {
    const line = encodeLine({ text: 'a\nb' });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({ text: 'a\nb' });
  });
});
