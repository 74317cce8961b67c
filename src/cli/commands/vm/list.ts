// The two modules, not the model barrel: vm list is the command people run most (start-up time).
import { shortId } from '../../../model/ids.js';
import { formatMiB } from '../../../model/size.js';
import { age, renderTable } from '../../output.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'List VMs';

export async function run({ cli }: CommandInput): Promise<CommandOutput> {
  const client = await cli.daemon();
  try {
    const vms = await client.call('vm.list', {});
    if (vms.length === 0) return { data: vms, human: 'no VMs yet; create one with: banger vm create' };
    const images = new Map((await client.call('image.list', {})).map((i) => [i.id, i.name]));
    const rows = vms.map((vm) => [
      vm.name,
      vm.state,
      images.get(vm.imageId) ?? shortId(vm.imageId),
      String(vm.spec.vcpuCount),
      formatMiB(vm.spec.memoryMiB),
      vm.runtime.guestIP,
      age(vm.createdAt),
    ]);
    return { data: vms, human: renderTable(['name', 'state', 'image', 'vcpu', 'memory', 'ip', 'created'], rows) };
  } finally {
    client.close();
  }
}
