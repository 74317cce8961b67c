import { lifecycleOptions, lifecycleRun } from './lifecycle.js';

export const describe = 'Stop VMs (graceful, then killed after a timeout)';
export const options = lifecycleOptions('stop');
export const run = lifecycleRun('stop');
