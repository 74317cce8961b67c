import { Box, Text } from 'ink';
import type { VMRecord } from '../../src/model/index.js';
import { formatMiB, formatSize } from '../../src/model/index.js';
import { useTint } from '../colors.js';
import { imageLabel, type ImageNames } from '../format.js';
import { hintLine } from '../key-bindings.js';
import type { VmTransitionEvent } from '../source.js';

export function VmDetails({ vm, transitions, images }: { vm: VMRecord; transitions: VmTransitionEvent[]; images: ImageNames }) {
  const tint = useTint();
  return (
    <Box flexDirection="column">
      <Text bold>
        {vm.name} <Text dimColor>({vm.id.slice(0, 12)})</Text>
      </Text>
      <Text>
        state: {vm.state}   ip: {vm.runtime.guestIP}   dns: {vm.runtime.dnsName}
      </Text>
      <Text>
        spec: {vm.spec.vcpuCount} vcpu · {formatMiB(vm.spec.memoryMiB)} memory · {formatSize(vm.spec.workDiskSizeBytes)} disk · nat {vm.spec.natEnabled ? 'on' : 'off'}
      </Text>
      <Text>
        vmm: {vm.vmm}   pid: {vm.runtime.vmmPid ?? '-'}   tap: {vm.runtime.tapDevice ?? '-'}
      </Text>
      <Text>image: {imageLabel(vm.imageId, images)}</Text>
      <Text wrap="truncate-middle">dir: {vm.runtime.vmDir}</Text>
      <Text wrap="truncate-middle">log: {vm.runtime.logPath}</Text>
      <Text color={tint(vm.runtime.lastError ? 'red' : undefined)}>last error: {vm.runtime.lastError ?? '-'}</Text>
      <Text bold>recent transitions</Text>
      {transitions.length === 0 ? <Text dimColor>  none since the TUI started</Text> : null}
      {transitions.slice(-10).map((t, i) => (
        <Text key={i}>
          {'  '}
          {t.at.slice(11, 19)} {t.from} → {t.to} <Text dimColor>({t.event})</Text>
          {t.error ? <Text color={tint('red')}> {t.error}</Text> : null}
        </Text>
      ))}
      <Text dimColor>{hintLine('details')}</Text>
    </Box>
  );
}
