import type { SshKey } from '../guest/keys.js';
import type { ProgressFn } from './progress.js';
import type { Staging } from './staging.js';

/** What a profile builder gets: where to write, the key to seed, progress and cancellation. */
export interface ProfileBuildContext {
  name: string;
  staging: Staging;
  cacheDir: string;
  sshKey: SshKey;
  progress: ProgressFn;
  signal?: AbortSignal;
}
