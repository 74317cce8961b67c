/**
 * Tiny synthetic kernels for the vmlinux tests: an ELF64 with chosen header
 * fields, program headers and an optional Xen PVH note, and a bzImage
 * wrapping a compressed payload with the x86 boot header fields banger reads.
 */

export interface ElfFixture {
  cls?: number;
  data?: number;
  type?: number;
  machine?: number;
  entry?: bigint;
  /** Program header types; PT_LOAD = 1, PT_NOTE = 4. @default [1, 4] */
  segments?: number[];
  pvhEntry?: number;
  /** Filler after the headers (a real kernel is ~50 MiB; this keeps tests fast). @default 4096 */
  body?: number;
}

export function makeElf(f: ElfFixture = {}): Buffer {
  const segments = f.segments ?? [1, 4];
  const phoff = 64;
  const noteAt = phoff + 56 * segments.length;
  const note = Buffer.alloc(20);
  note.writeUInt32LE(4, 0); // namesz "Xen\0"
  note.writeUInt32LE(4, 4); // descsz
  note.writeUInt32LE(18, 8); // XEN_ELFNOTE_PHYS32_ENTRY
  note.write('Xen\0', 12, 'latin1');
  note.writeUInt32LE(f.pvhEntry ?? 0x1000abc, 16);
  const body = f.body ?? 4096;
  const buf = Buffer.alloc(noteAt + note.length + body);
  buf.write('\x7fELF', 0, 'latin1');
  buf[4] = f.cls ?? 2;
  buf[5] = f.data ?? 1;
  buf[6] = 1;
  buf.writeUInt16LE(f.type ?? 2, 16);
  buf.writeUInt16LE(f.machine ?? 62, 18);
  buf.writeUInt32LE(1, 20);
  buf.writeBigUInt64LE(f.entry ?? 0x1000000n, 24);
  buf.writeBigUInt64LE(BigInt(phoff), 32);
  buf.writeUInt16LE(64, 52);
  buf.writeUInt16LE(56, 54);
  buf.writeUInt16LE(segments.length, 56);
  segments.forEach((type, i) => {
    const at = phoff + i * 56;
    buf.writeUInt32LE(type, at);
    const isNote = type === 4;
    buf.writeBigUInt64LE(BigInt(isNote ? noteAt : 0), at + 8);
    buf.writeBigUInt64LE(0xffffffff81000000n, at + 16);
    buf.writeBigUInt64LE(isNote ? 0x1000000n + BigInt(noteAt) : 0x1000000n, at + 24);
    buf.writeBigUInt64LE(BigInt(isNote ? note.length : buf.length), at + 32);
    buf.writeBigUInt64LE(BigInt(isNote ? note.length : buf.length), at + 40);
  });
  if (f.pvhEntry !== undefined || segments.includes(4)) note.copy(buf, noteAt);
  return buf;
}

export interface BzImageFixture {
  setupSects?: number;
  version?: number;
  magic?: string;
  /** Bytes after the payload inside payload_length (the kernel's size trailer). */
  trailer?: Buffer;
  /** Override payload_length (e.g. past the end of the file). */
  payloadLength?: number;
}

/** A bzImage-shaped file: boot sector + setup sectors, then the protected-mode part holding `payload` at payload_offset. */
export function makeBzImage(payload: Buffer, f: BzImageFixture = {}): Buffer {
  const setupSects = f.setupSects ?? 3;
  const pm = ((setupSects || 4) + 1) * 512;
  const payloadOffset = 0x2c0; // where a real kernel puts it: after the decompressor's head
  const inner = Buffer.concat([payload, f.trailer ?? Buffer.alloc(0)]);
  const buf = Buffer.alloc(pm + payloadOffset + inner.length + 512);
  buf[0x1f1] = setupSects;
  buf.write(f.magic ?? 'HdrS', 0x202, 'latin1');
  buf.writeUInt16LE(f.version ?? 0x20f, 0x206);
  buf.writeUInt32LE(payloadOffset, 0x248);
  buf.writeUInt32LE(f.payloadLength ?? inner.length, 0x24c);
  inner.copy(buf, pm + payloadOffset);
  return buf;
}
