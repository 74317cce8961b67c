import { lifecycleOptions, lifecycleRun } from './lifecycle.js';

export const describe = 'Pause VMs: memory and devices kept, no CPU used';
export const options = lifecycleOptions('pause');
export const run = lifecycleRun('pause');
