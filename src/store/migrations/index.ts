import { baseline } from './001-baseline.js';
import { touchWorkspace } from './002-touch-workspace.js';
import { snapshots } from './003-snapshots.js';
import { forwards } from './004-forwards.js';
import { imageVmlinux } from './005-image-vmlinux.js';
import { imageSource } from './006-image-source.js';
import type { Migration } from './types.js';

export type { Migration } from './types.js';

/** Every migration in order. Append new ones; the last version is the schema the code reads. */
export const MIGRATIONS: readonly Migration[] = [baseline, touchWorkspace, snapshots, forwards, imageVmlinux, imageSource];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
