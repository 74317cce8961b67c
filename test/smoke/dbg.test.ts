import { it } from 'vitest';
import { SmokeRig } from './smoke-rig.js';
it('dbg', async () => {
  const rig = new SmokeRig();
  try {
    await rig.buildDefaultImage();
    await rig.cli(['vm', 'run', '--rm', '--', 'true'], { timeoutMs: 300000 });
    for (let i = 0; i < 8; i++) {
      const t0 = Date.now();
      const r = await rig.cli(['vm', 'create', '--name', `w${i}`], { timeoutMs: 300000 });
      console.log(i, r.code, Date.now() - t0, r.stderr.split('\n').slice(-3).join(' | '));
      if (r.code !== 0) {
        console.log((await rig.cli(['vm', 'logs', `w${i}`])).stdout.slice(-3000));
        break;
      }
    }
  } finally {
    await rig.cleanup();
  }
}, 900000);
