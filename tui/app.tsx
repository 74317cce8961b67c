import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useState } from 'react';
import { LogView } from './components/LogView.js';
import { VmDetails } from './components/VmDetails.js';
import { VmTable } from './components/VmTable.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { useVmEvents } from './hooks/use-vm-events.js';
import { HELP_LINE, intentFor } from './key-bindings.js';
import type { TuiSource, VmAction } from './source.js';

export interface AppProps {
  source: TuiSource;
  /** Clock for uptime; tests pin it. */
  now?: () => number;
  /** Log refresh period in logs mode. @default 1000 */
  logRefreshMs?: number;
}

export function App({ source, now = Date.now, logRefreshMs = 1000 }: AppProps) {
  const { exit } = useApp();
  const size = useTerminalSize();
  const [state, dispatch] = useVmEvents(source);
  const [, setTick] = useState(0);
  const vm = state.vms[state.selected];

  // Uptime column ticks once a second.
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    if (state.mode !== 'logs' || !vm) return;
    let alive = true;
    const pull = (): void => {
      source.logs(vm.name, 64 * 1024).then(
        (text) => alive && dispatch({ type: 'logs', text }),
        (err: Error) => alive && dispatch({ type: 'logs', text: `could not read the log: ${err.message}` }),
      );
    };
    pull();
    const t = setInterval(pull, logRefreshMs);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [state.mode, vm?.name, source, logRefreshMs]);

  const run = (action: VmAction, name: string): void => {
    dispatch({ type: 'message', text: `${action} ${name}…` });
    source.act(action, name).then(
      () => dispatch({ type: 'message', text: `${action} ${name}: done` }),
      (err: Error) => dispatch({ type: 'message', text: `${action} ${name} failed: ${err.message}` }),
    );
  };

  useInput((input, key) => {
    const intent = intentFor(state.mode, input, key);
    switch (intent.type) {
      case 'quit':
        exit();
        return;
      case 'move':
        dispatch({ type: 'select', delta: intent.delta });
        return;
      case 'open-details':
        if (vm) dispatch({ type: 'mode', mode: 'details' });
        return;
      case 'open-logs':
        if (vm) dispatch({ type: 'mode', mode: 'logs' });
        return;
      case 'back':
        dispatch({ type: 'mode', mode: 'list' });
        return;
      case 'toggle-start':
        if (vm) run(vm.state === 'running' || vm.state === 'starting' ? 'stop' : 'start', vm.name);
        return;
      case 'toggle-pause':
        if (vm?.state === 'running') run('pause', vm.name);
        else if (vm?.state === 'paused') run('resume', vm.name);
        return;
      case 'restart':
        if (vm) run('restart', vm.name);
        return;
      case 'ask-delete':
        if (vm) dispatch({ type: 'mode', mode: 'confirm-delete' });
        return;
      case 'confirm-delete':
        if (vm) run('delete', vm.name);
        dispatch({ type: 'mode', mode: 'list' });
        return;
      case 'none':
        return;
    }
  });

  return (
    // No explicit width: Ink lays the root out at the terminal's current width, so the frame it
    // draws on a resize (before this component re-renders) never overflows and wraps.
    <Box flexDirection="column">
      <Box justifyContent="space-between">
        <Text bold>banger · {state.vms.length} VMs · {state.vms.filter((v) => v.state === 'running').length} running</Text>
        <Text color={state.connection === 'connected' ? 'green' : 'yellow'}>{state.connection === 'connected' ? '● daemon' : '○ reconnecting'}</Text>
      </Box>
      {state.mode === 'details' && vm ? (
        <VmDetails vm={vm} transitions={state.transitions[vm.id] ?? []} />
      ) : state.mode === 'logs' && vm ? (
        <LogView name={vm.name} text={state.logText ?? 'loading…'} height={size.rows} />
      ) : (
        <VmTable vms={state.vms} selected={state.selected} width={size.columns} now={now()} />
      )}
      {state.mode === 'confirm-delete' && vm ? (
        <Text color="red">delete {vm.name} and its disks? y to confirm, any other key cancels</Text>
      ) : null}
      {state.message ? <Text color="yellow">{state.message}</Text> : null}
      {state.mode === 'list' ? <Text dimColor>{HELP_LINE}</Text> : null}
    </Box>
  );
}
