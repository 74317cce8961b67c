import { NotFoundError } from '../errors/index.js';
import type { Image } from '../model/index.js';
import type { Store } from '../store/index.js';
import type { ImageQueries, VmQueries } from './context.js';

/** VM reads straight from SQLite (rows are the durable truth). */
export function storeVmQueries(store: Store): VmQueries {
  return {
    list: () => store.vms.list(),
    get: (ref) => store.vms.resolve(ref),
    count: () => store.vms.count(),
  };
}

export function storeImageQueries(store: Store): ImageQueries {
  return {
    list: () => store.images.list(),
    get(ref): Image {
      const image = store.images.getByName(ref) ?? store.images.getById(ref);
      if (!image) {
        throw new NotFoundError(`no image named "${ref}"`, {
          code: 'image.not_found',
          hint: 'see the names with: banger image list',
        });
      }
      return image;
    },
  };
}
