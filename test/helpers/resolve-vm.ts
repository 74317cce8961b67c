import { ConflictError, NotFoundError } from '../../src/errors/index.js';
import type { VMRecord } from '../../src/model/index.js';

/** The store's VM lookup rule (src/store VmsRepo.resolve) over a fake's rows: name, id, then an unambiguous hex id prefix. */
export function resolveVm(rows: VMRecord[], ref: string): VMRecord {
  const exact = rows.find((v) => v.name === ref) ?? rows.find((v) => v.id === ref);
  if (exact) return exact;
  const matches = /^[0-9a-f]{4,}$/.test(ref) ? rows.filter((v) => v.id.startsWith(ref)) : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new ConflictError(`id prefix "${ref}" matches more than one VM`, { code: 'vm.ambiguous', hint: 'use the VM name or a longer id' });
  throw new NotFoundError(`no VM named "${ref}"`, { code: 'vm.not_found', hint: 'see the names with: banger vm list' });
}
