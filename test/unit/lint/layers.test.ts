import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer rules in eslint.config.js, checked against snippets placed (virtually) in each folder.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd: root, overrideConfigFile: `${root}/eslint.config.js` });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer boundaries (eslint no-restricted-imports)', () => {
  it.each([
    ['machines/vm/x.ts', "import { macFromIp } from '../../src/host/network/index.js';"],
    ['machines/x.ts', "import type { VmCreateParams } from '../src/rpc/methods.js';"],
    ['machines/vm/x.ts', "import type { Store } from '../../src/store/index.js';"],
    ['src/rpc/x.ts', "import { WorkspaceSchema } from '../store/codecs.js';"],
    ['src/rpc/x.ts', "import type { MachineGraph } from '../../machines/graph.js';"],
    ['src/model/x.ts', "import type { Layout } from '../host/layout.js';"],
    ['helper/ops/x.ts', "import { startDaemon } from '../../src/daemon/index.js';"],
    ['src/cli/commands/debug/x.ts', "import { vmMachine } from '../../../../machines/index.js';"],
    ['tui/x.ts', "import { openStore } from '../src/store/index.js';"],
    ['src/debug/viz/x.ts', "import type { MachineGraph } from '../../../machines/graph.js';"],
    ['helper/x.ts', "import { RpcClient } from '../src/rpc/index.js';"],
    ['src/wire/x.ts', "import type { MethodName } from '../rpc/methods.js';"],
  ])('%s: refuses %s', async (file, code) => {
    expect(await restricted(file, `${code}\nexport {};\n`)).toHaveLength(1);
  });

  it.each([
    ['machines/vm/x.ts', "import { macFromIp } from '../../src/model/ipv4.js';"],
    ['machines/vm/x.ts', "import { NotFoundError } from '../../src/errors/index.js';"],
    ['machines/vm/x.ts', "import { callPrivileged } from '../helper-bridge/actors.js';"],
    ['src/rpc/x.ts', "import type { VMRecord } from '../model/index.js';"],
    ['src/model/x.ts', "import { InvalidInputError } from '../errors/index.js';"],
    ['helper/ops/x.ts', "import { parseCidr } from '../../src/host/network/index.js';"],
    ['src/cli/commands/x.ts', "import type { MethodName } from '../../rpc/index.js';"],
    ['helper/x.ts', "import { RpcSocketServer } from '../src/wire/index.js';"],
    ['src/rpc/x.ts', "import { readMessages } from '../wire/index.js';"],
  ])('%s: allows %s', async (file, code) => {
    expect(await restricted(file, `${code}\nexport {};\n`)).toEqual([]);
  });
});
