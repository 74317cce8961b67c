import { lifecycleOptions, lifecycleRun } from './lifecycle.js';

export const describe = 'Start VMs';
export const options = lifecycleOptions('start');
export const run = lifecycleRun('start');
