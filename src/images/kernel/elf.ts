import { InvalidInputError } from '../../errors/index.js';

/**
 * Checks that bytes are a kernel Firecracker (and QEMU's PVH loader) can
 * load on x86_64: a 64-bit little-endian ELF executable for x86-64 with an
 * entry point and at least one PT_LOAD segment inside the file. Pure: reads
 * only the ELF header, the program headers and the note segments.
 */

const EM_X86_64 = 62;
const ET_EXEC = 2;
const PT_LOAD = 1;
const PT_NOTE = 4;
/** XEN_ELFNOTE_PHYS32_ENTRY: the PVH entry QEMU's -kernel loader looks for in an ELF. */
const XEN_ELFNOTE_PHYS32_ENTRY = 18;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;

export interface VmlinuxReport {
  /** e_entry: the physical address Firecracker jumps to (64-bit boot protocol). */
  entry: bigint;
  machine: 'x86_64';
  /** PT_LOAD segments: where each lands in guest memory. */
  loadSegments: { offset: number; physAddr: bigint; fileSize: number; memSize: number }[];
  /** The PVH entry point (Xen note 18) when present: what QEMU's -kernel needs to boot an ELF. */
  pvhEntry?: number;
  /** Bytes of the file (an extracted kernel is tens of MiB). */
  size: number;
}

export const BAD_VMLINUX_HINT = 'use the vmlinuz of a Debian linux-image-*-amd64 package (rebuild the image: banger image build)';

function bad(what: string, reason: string): InvalidInputError {
  return new InvalidInputError(`${what} is not an x86_64 kernel ELF: ${reason}`, { code: 'image.bad_vmlinux', hint: BAD_VMLINUX_HINT });
}

/**
 * Validates an uncompressed kernel image.
 * @param what names the file in the error (a path or "the decompressed payload of X").
 * @throws InvalidInputError `image.bad_vmlinux` naming the first thing wrong.
 */
export function validateVmlinux(bytes: Uint8Array, what = 'the kernel'): VmlinuxReport {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw bad(what, 'no ELF magic');
  if (bytes.length < EHDR_SIZE) throw bad(what, `truncated ELF header (${bytes.length} bytes)`);
  if (bytes[4] !== 2) throw bad(what, `ELF class ${bytes[4]}, not ELFCLASS64`);
  if (bytes[5] !== 1) throw bad(what, 'big-endian ELF');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = v.getUint16(16, true);
  if (type !== ET_EXEC) throw bad(what, `ELF type ${type}, not an executable (ET_EXEC)`);
  const machine = v.getUint16(18, true);
  if (machine !== EM_X86_64) throw bad(what, `machine ${machine}, not x86-64 (62)`);
  const entry = v.getBigUint64(24, true);
  if (entry === 0n) throw bad(what, 'no entry point');
  const phoff = Number(v.getBigUint64(32, true));
  const phentsize = v.getUint16(54, true);
  const phnum = v.getUint16(56, true);
  if (phnum === 0) throw bad(what, 'no program headers');
  if (phentsize < PHDR_SIZE) throw bad(what, `program header size ${phentsize}`);
  if (phoff + phnum * phentsize > bytes.length) throw bad(what, 'program headers past the end of the file (truncated?)');

  const loadSegments: VmlinuxReport['loadSegments'] = [];
  let pvhEntry: number | undefined;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const pType = v.getUint32(at, true);
    const offset = Number(v.getBigUint64(at + 8, true));
    const fileSize = Number(v.getBigUint64(at + 32, true));
    if ((pType === PT_LOAD || pType === PT_NOTE) && offset + fileSize > bytes.length) {
      throw bad(what, `segment ${i} ends at byte ${offset + fileSize}, past the end of the ${bytes.length}-byte file (truncated?)`);
    }
    if (pType === PT_LOAD) {
      loadSegments.push({ offset, physAddr: v.getBigUint64(at + 24, true), fileSize, memSize: Number(v.getBigUint64(at + 40, true)) });
    } else if (pType === PT_NOTE) {
      pvhEntry ??= findPvhEntry(v, offset, fileSize);
    }
  }
  if (loadSegments.length === 0) throw bad(what, 'no PT_LOAD segment');
  return { entry, machine: 'x86_64', loadSegments, ...(pvhEntry === undefined ? {} : { pvhEntry }), size: bytes.length };
}

/** Walks one PT_NOTE segment for the Xen PVH entry note (name "Xen", 4-byte aligned fields). */
function findPvhEntry(v: DataView, offset: number, size: number): number | undefined {
  const align4 = (n: number) => (n + 3) & ~3;
  let p = offset;
  const end = offset + size;
  while (p + 12 <= end) {
    const namesz = v.getUint32(p, true);
    const descsz = v.getUint32(p + 4, true);
    const type = v.getUint32(p + 8, true);
    const name = p + 12;
    const desc = name + align4(namesz);
    const next = desc + align4(descsz);
    if (next > end || next <= p) return undefined;
    const isXen = namesz === 4 && v.getUint8(name) === 0x58 && v.getUint8(name + 1) === 0x65 && v.getUint8(name + 2) === 0x6e;
    if (isXen && type === XEN_ELFNOTE_PHYS32_ENTRY && descsz >= 4) return v.getUint32(desc, true);
    p = next;
  }
  return undefined;
}
