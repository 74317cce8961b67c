import { lifecycleOptions, lifecycleRun } from './lifecycle.js';

export const describe = 'Restart VMs';
export const options = lifecycleOptions('restart');
export const run = lifecycleRun('restart');
