import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { ColorsContext, colorsWanted, useTint } from './colors.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { LogView } from './components/LogView.js';
import { VmDetails } from './components/VmDetails.js';
import { VmTable } from './components/VmTable.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { useVmEvents } from './hooks/use-vm-events.js';
import { HELP_LINE, intentFor, splitKeys, type KeyInfo } from './key-bindings.js';
import type { TuiSource, VmAction } from './source.js';
import { initialState, reduce, selectedVm, visibleVms, type TuiEvent, type TuiState } from './state.js';

export interface AppProps {
  source: TuiSource;
  /** Clock for uptime; tests pin it. */
  now?: () => number;
  /** Log refresh period in logs mode. @default 1000 */
  logRefreshMs?: number;
  /** Colour on or off. @default colorsWanted(process.env): off under NO_COLOR */
  colors?: boolean;
  /**
   * Asked for a shell in a running VM (x). The app exits right after, so the
   * caller can hand the terminal to the shell and render a new app when it ends
   * (see runTui). Without it, x says so on the status line.
   */
  onShell?: (name: string) => void;
  /** Select this VM once the list is in (back from a shell in it). */
  select?: string;
  /** First status line (how the shell ended). */
  message?: string;
}

export function App({ colors = colorsWanted(process.env), ...props }: AppProps) {
  return (
    <ColorsContext.Provider value={colors}>
      <Screen {...props} />
    </ColorsContext.Provider>
  );
}

function startState(select: string | undefined, message: string | undefined): TuiState {
  return { ...initialState, ...(select !== undefined ? { selectName: select } : {}), ...(message !== undefined ? { message } : {}) };
}

/** Why x does nothing for a VM in `state`, with the key that fixes it. */
function noShellReason(name: string, state: string): string {
  if (state === 'paused') return `${name} is paused: a shell needs it running (p resumes it)`;
  if (state === 'stopped' || state === 'created' || state === 'error') return `${name} is ${state}: a shell needs it running (s starts it)`;
  return `${name} is ${state}: a shell needs it running`;
}

function Screen({ source, now = Date.now, logRefreshMs = 1000, onShell, select, message }: Omit<AppProps, 'colors'>) {
  const { exit } = useApp();
  const tint = useTint();
  const size = useTerminalSize();
  const [state, dispatch] = useVmEvents(source, startState(select, message));
  const [, setTick] = useState(0);
  const rows = visibleVms(state);
  const vm = rows[state.selected];
  // Keys read the state through this ref, which each key's own events update at once: keys that
  // arrive in one read (typed fast, pasted, "/stop") reach the handler before React re-renders,
  // and must see the filter mode the key before them entered, not the list (where s stops a VM).
  const live = useRef(state);
  live.current = state;
  const send = (ev: TuiEvent): void => {
    live.current = reduce(live.current, ev);
    dispatch(ev);
  };

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

  // Set once the app is on its way out (quit, shell): keys later in the same read are not for it.
  const ended = useRef(false);
  useInput((input, key) => {
    for (const [one, info] of splitKeys(input, key)) if (!ended.current) onKey(one, info);
  });

  function onKey(input: string, key: KeyInfo): void {
    const s = live.current;
    const vm = selectedVm(s);
    const intent = intentFor(s.mode, input, key);
    switch (intent.type) {
      case 'quit':
        ended.current = true;
        exit();
        return;
      case 'move':
        send({ type: 'select', delta: intent.delta });
        return;
      case 'open-details':
        if (vm) send({ type: 'mode', mode: 'details' });
        return;
      case 'open-logs':
        if (vm) send({ type: 'mode', mode: 'logs' });
        return;
      case 'open-help':
        send({ type: 'mode', mode: 'help' });
        return;
      case 'back':
        send({ type: 'mode', mode: s.mode === 'help' ? (s.helpFrom ?? 'list') : 'list' });
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
        if (vm) send({ type: 'mode', mode: 'confirm-delete' });
        return;
      case 'confirm-delete':
        if (vm) run('delete', vm.name);
        send({ type: 'mode', mode: 'list' });
        return;
      case 'open-shell':
        if (!vm) return;
        if (vm.state !== 'running') send({ type: 'message', text: noShellReason(vm.name, vm.state) });
        else if (!onShell) send({ type: 'message', text: `no shell from here: run banger vm ssh ${vm.name}` });
        else {
          ended.current = true;
          onShell(vm.name);
          exit();
        }
        return;
      case 'open-filter':
        send({ type: 'mode', mode: 'filter' });
        return;
      case 'filter-type':
        send({ type: 'filter', text: s.filter + intent.text });
        return;
      case 'filter-erase':
        send({ type: 'filter', text: [...s.filter].slice(0, -1).join('') });
        return;
      case 'filter-keep':
        send({ type: 'mode', mode: 'list' });
        return;
      case 'filter-clear':
        send({ type: 'filter', text: '' });
        send({ type: 'mode', mode: 'list' });
        return;
      case 'none':
        return;
    }
  }

  const filtering = state.mode === 'filter' || state.filter !== '';
  const listed = state.mode === 'list' || state.mode === 'filter' || state.mode === 'confirm-delete';
  return (
    // No explicit width: Ink lays the root out at the terminal's current width, so the frame it
    // draws on a resize (before this component re-renders) never overflows and wraps.
    <Box flexDirection="column">
      <Box justifyContent="space-between">
        <Text bold>banger · {state.vms.length} VMs · {state.vms.filter((v) => v.state === 'running').length} running</Text>
        <Text color={tint(state.connection === 'connected' ? 'green' : 'yellow')}>{state.connection === 'connected' ? '● daemon' : '○ reconnecting'}</Text>
      </Box>
      {state.mode === 'help' ? (
        <HelpOverlay />
      ) : state.mode === 'details' && vm ? (
        <VmDetails vm={vm} transitions={state.transitions[vm.id] ?? []} images={state.images} />
      ) : state.mode === 'logs' && vm ? (
        <LogView name={vm.name} text={state.logText ?? 'loading…'} height={size.rows} />
      ) : (
        <VmTable
          vms={rows}
          selected={state.selected}
          width={size.columns}
          now={now()}
          images={state.images}
          empty={state.filter !== '' && state.vms.length > 0 ? `no VM matches "${state.filter}"` : 'no VMs yet: banger vm create'}
        />
      )}
      {state.mode === 'confirm-delete' && vm ? (
        <Text color={tint('red')}>delete {vm.name} and its disks? y to confirm, any other key cancels</Text>
      ) : null}
      {state.message ? <Text color={tint('yellow')}>{state.message}</Text> : null}
      {listed && filtering ? (
        <Text>
          {state.mode === 'filter' ? `/${state.filter}▏` : `filter: ${state.filter}`}
          <Text dimColor>
            {'  '}
            {rows.length} of {state.vms.length} VMs · {state.mode === 'filter' ? 'enter keeps · esc clears' : '/ edits · esc clears'}
          </Text>
        </Text>
      ) : null}
      {state.mode === 'list' ? <Text dimColor>{HELP_LINE}</Text> : null}
    </Box>
  );
}
