import { describe, expect, it } from 'vitest';
import { parseLddOutput } from '../../../../src/images/minimal/ldd.js';

describe('parseLddOutput', () => {
  it('lists resolved libraries and the loader, not the vdso', () => {
    const out = `\tlinux-vdso.so.1 (0x00007ffd)\n\tlibz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x00007f)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n`;
    expect(parseLddOutput(out)).toEqual(['/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });
});
