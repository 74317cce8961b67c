export { App } from './app.js';
export type { AppProps } from './app.js';
export type { TuiSource, VmTransitionEvent, VmStatsEvent, ConnectionState, VmAction } from './source.js';
export { intentFor, HELP_LINE } from './key-bindings.js';
export type { Mode, KeyIntent } from './key-bindings.js';
export { reduce, initialState } from './state.js';
export type { TuiState, TuiEvent } from './state.js';
export { toRow, visibleColumns, formatUptime } from './format.js';
