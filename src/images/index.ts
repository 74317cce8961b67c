export { createImagesService } from './service.js';
export type {
  ImagesService,
  ImagesServiceOptions,
  ImagesStorePort,
  ImageProgressEvent,
  BuildRequest,
  ImportRequest,
  CallOptions,
} from './service.js';
export { buildImage } from './build.js';
export type { BuildImageOptions, BuildProfile } from './build.js';
export { importImage, ImportRefusedError } from './import/index.js';
export type { ImportImageOptions, ImportFormat } from './import/index.js';
export type { ProgressFn } from './progress.js';
export { assetPath, agentScriptPath, minimalAssetPath } from './assets.js';
