export { importImage } from './import.js';
export type { ImportImageOptions } from './import.js';
export type { ImportFormat } from './layers.js';
export { unpackTar } from './layers.js';
export { checkImportSource } from './sniff.js';
