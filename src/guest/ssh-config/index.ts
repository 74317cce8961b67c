export { renderSshConfig, quoteForSshConfig } from './render.js';
export type { SshConfigInputs } from './render.js';
export {
  BEGIN_MARKER,
  END_MARKER,
  userSshConfigPath,
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
export type { IncludeCreated } from './install.js';
