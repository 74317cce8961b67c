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

/**
 * The image's uncompressed ELF kernel, or an error naming the fix: images built
 * before banger extracted one get it when bangerd starts (src/images/upgrade-vmlinux.ts);
 * one that is still missing could not be extracted (bangerd.log says why).
 */
export function requireVmlinux(image: Image): string {
  if (image.vmlinuxPath) return image.vmlinuxPath;
  const rebuild = image.profile === 'imported'
    ? `import it again (banger image import SOURCE --name ${image.name} --kernel-from an image that has one)`
    : `rebuild it: banger image build --profile ${image.profile} --name ${image.name} --force`;
  throw new NotFoundError(`image "${image.name}" has no vmlinux: this VMM boots only an uncompressed ELF kernel`, {
    code: 'image.no_vmlinux',
    hint: `restart bangerd to extract it from the image's vmlinuz (bangerd.log names why it failed), or ${rebuild}`,
  });
}
