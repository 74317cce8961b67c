import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../../src/errors/index.js';
import { validateVmlinux } from '../../../../src/images/kernel/elf.js';
import { makeElf } from '../../../helpers/kernel-fixtures.js';

describe('vmlinux ELF validation', () => {
  it('reads entry, machine, PT_LOAD segments and the PVH note of a good kernel', () => {
    const elf = makeElf({ entry: 0x1000000n, pvhEntry: 0x1234567 });
    const r = validateVmlinux(elf);
    expect(r).toMatchObject({ entry: 0x1000000n, machine: 'x86_64', pvhEntry: 0x1234567, size: elf.length });
    expect(r.loadSegments).toEqual([{ offset: 0, physAddr: 0x1000000n, fileSize: elf.length, memSize: elf.length }]);
    // No note: still a kernel Firecracker loads (the PVH entry matters only to QEMU).
    expect(validateVmlinux(makeElf({ segments: [1] })).pvhEntry).toBeUndefined();
  });

  const bad: [string, Buffer, RegExp][] = [
    ['not an ELF', Buffer.from('MZ this is a PE file'), /no ELF magic/],
    ['a bzImage', Buffer.alloc(4096), /no ELF magic/],
    ['truncated header', makeElf().subarray(0, 40), /truncated ELF header \(40 bytes\)/],
    ['32-bit', makeElf({ cls: 1 }), /ELF class 1, not ELFCLASS64/],
    ['big-endian', makeElf({ data: 2 }), /big-endian/],
    ['arm64', makeElf({ machine: 183 }), /machine 183, not x86-64 \(62\)/],
    ['a shared object', makeElf({ type: 3 }), /ELF type 3, not an executable/],
    ['no entry point', makeElf({ entry: 0n }), /no entry point/],
    ['no PT_LOAD', makeElf({ segments: [4] }), /no PT_LOAD segment/],
    ['no program headers', makeElf({ segments: [] }), /no program headers/],
    ['cut inside a segment', makeElf().subarray(0, 300), /past the end of the 300-byte file \(truncated\?\)/],
  ];
  for (const [name, bytes, re] of bad) {
    it(`refuses ${name} with image.bad_vmlinux and a hint`, () => {
      let err: unknown;
      try {
        validateVmlinux(bytes, 'k');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err).toMatchObject({ code: 'image.bad_vmlinux', message: expect.stringMatching(re), hint: expect.stringContaining('banger image build') });
      expect((err as Error).message).toMatch(/^k is not an x86_64 kernel ELF: /);
    });
  }
});
