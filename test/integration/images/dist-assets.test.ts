import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { skipReason } from '../../helpers/vmm-capabilities.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const dist = `${repo}dist/src`;
const missing = existsSync(`${dist}/images/assets.js`) ? undefined : 'needs dist/ (npm run build; pretest:integration runs it)';

/**
 * The built package under plain Node (not vitest, whose module loader hides
 * CommonJS named-export problems): the image and runtime modules load, and
 * the guest assets are found by walking up from dist/ to the package root.
 */
describe.skipIf(skipReason(missing))('npm run build output', () => {
  it('loads the images and VMM registry modules and finds every guest asset', () => {
    const script = `
      const a = await import(${JSON.stringify(`${dist}/images/assets.js`)});
      const paths = [a.agentScriptPath(), a.minimalAssetPath('rc.sysinit'), a.minimalAssetPath('initramfs-init.sh'), a.debianAssetPath('banger-net.sh'), a.vsockToolPath(), a.debianAssetPath('banger-agent-vsock.service')];
      const svc = await import(${JSON.stringify(`${dist}/images/index.js`)});
      const rt = await import(${JSON.stringify(`${dist}/vmm/registry.js`)});
      const keys = await import(${JSON.stringify(`${dist}/guest/keys.js`)});
      console.log(JSON.stringify({ paths, fns: [typeof svc.createImagesService, typeof rt.createVmmPorts, typeof keys.ensureSshKey] }));
    `;
    const out = JSON.parse(execFileSync('node', ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })) as { paths: string[]; fns: string[] };
    expect(out.fns).toEqual(['function', 'function', 'function']);
    for (const p of out.paths) expect(existsSync(p)).toBe(true);
    expect(out.paths[0]).toBe(`${repo}src/guest/assets/banger-agent.sh`);
  }, 30_000);
});
