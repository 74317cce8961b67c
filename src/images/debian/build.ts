import { InvalidInputError } from '../../errors/index.js';
import type { Image } from '../../model/index.js';
import type { ProfileBuildContext } from '../profile.js';

export async function buildDebian(_ctx: ProfileBuildContext): Promise<Image> {
  throw new InvalidInputError('the debian profile is not built yet', { hint: 'use --profile minimal' });
}
