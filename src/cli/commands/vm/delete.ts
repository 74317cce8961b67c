import { lifecycleOptions, lifecycleRun } from './lifecycle.js';

export const describe = 'Delete VMs and their disks';
export const options = lifecycleOptions('delete');
export const run = lifecycleRun('delete');
