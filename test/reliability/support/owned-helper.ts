import { afterAll, beforeAll } from 'vitest';
import { createTestUser, type TestUser } from '../../helpers/users.js';
import { ensureDist } from './dist.js';
import { HelperProcess } from './processes.js';

export interface OwnedHelper {
  readonly helper: HelperProcess;
  readonly owner: TestUser;
}

/** A real banger-helper owned by a throwaway user, for the enclosing describe block. */
export function useOwnedHelper(): OwnedHelper {
  const fx = {} as { helper: HelperProcess; owner: TestUser };
  beforeAll(async () => {
    ensureDist();
    fx.owner = createTestUser('rel');
    fx.helper = await HelperProcess.start(fx.owner);
  }, 180_000);
  afterAll(async () => {
    await fx.helper?.dispose();
    fx.owner?.remove();
  }, 30_000);
  return fx;
}
