export { renderSshConfig } from './render.js';
export {
  BEGIN_MARKER,
  includeBlock,
  withInclude,
  withoutInclude,
  hasBlock,
  installInclude,
  uninstallInclude,
  isIncludeInstalled,
  includeStatus,
  createdByInstall,
} from './install.js';
