import { access } from 'node:fs/promises';
import { NotFoundError } from '../errors/index.js';
import type { Image, VMRecord } from '../model/index.js';

/** Where the ports find a VM's image (the store's images repo fits: `{ get: (id) => store.images.getById(id) }`). */
export interface ImageSource {
  get(id: string): Image | undefined;
}

/** The VM's image, or NotFoundError naming the fix. */
export function imageOf(images: ImageSource, vm: VMRecord): Image {
  const image = images.get(vm.imageId);
  if (!image) {
    throw new NotFoundError(`image ${vm.imageId} of VM "${vm.name}" no longer exists`, {
      code: 'image.not_found',
      hint: `delete the VM (banger vm delete ${vm.name}) and create it again with an existing image`,
    });
  }
  return image;
}

/** Checks an image artifact is on disk, naming the image and the fix when it is not. */
export async function requireArtifact(image: Image, what: string, path: string): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new NotFoundError(`the ${what} of image "${image.name}" is missing (${path})`, {
      code: 'image.artifact_missing',
      hint: `delete the image and build or import it again (banger image delete ${image.name})`,
    });
  }
}
