import { describe, expect, it } from 'vitest';
import { commandLine, shellQuote, hostKeyFromBlob } from '../../../src/guest/ssh/index.js';

describe('shellQuote', () => {
  it.each([
    ['plain', 'plain'],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['$(rm -rf /)', "'$(rm -rf /)'"],
    ['', "''"],
    ['semi;colon', "'semi;colon'"],
  ])('%s -> %s', (input, out) => {
    expect(shellQuote(input)).toBe(out);
  });

  it('passes a single argument as a shell snippet and quotes argv otherwise', () => {
    expect(commandLine(['make test && echo ok'])).toBe('make test && echo ok');
    expect(commandLine(['echo', 'a b'])).toBe("echo 'a b'");
  });

  it('reads the key type from a wire-format blob', () => {
    const type = Buffer.from('ssh-ed25519');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(type.length);
    expect(hostKeyFromBlob(Buffer.concat([len, type, Buffer.alloc(36)])).type).toBe('ssh-ed25519');
  });
});
