export { createImagesService } from './service.js';
export type { ImagesService, ImageProgressEvent } from './service.js';
export { buildImage } from './build.js';
export type { BuildImageOptions, BuildProfile } from './build.js';
export { upgradeImageVmlinuxes } from './upgrade-vmlinux.js';
