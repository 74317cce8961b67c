import { lifecycleOptions, lifecycleRun } from './lifecycle.js';

export const describe = 'Resume paused VMs';
export const options = lifecycleOptions('resume');
export const run = lifecycleRun('resume');
