import { describe, expect, it } from 'vitest';
import { HostError } from '../../../../src/errors/index.js';
import { createExecFileRunner, run, runChecked, runStatus } from '../../../../src/host/exec/index.js';

const node = process.execPath;
const script = (js: string) => ['-e', js];

describe('host/exec runner (one spawn for run, runStatus and the CommandRunner seam)', () => {
  it('runStatus resolves any exit code with output; stdin is fed and closed', async () => {
    const res = await runStatus(node, script('process.stdin.pipe(process.stdout); process.stdin.on("end", () => process.exit(3))'), { input: 'hi' });
    expect(res).toMatchObject({ exitCode: 3, stdout: 'hi' });
    expect(res.stdoutBuffer.toString()).toBe('hi');
  });

  it('run and runChecked name the command and its last stderr line on a non-zero exit', async () => {
    const args = script('console.error("first\\nthe reason"); process.exit(2)');
    const err = await run(node, args, { hint: 'fix it' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect(err).toMatchObject({ code: 'host.command_failed', hint: 'fix it', message: expect.stringMatching(/exited 2: the reason$/) });
    await expect(runChecked(createExecFileRunner(), node, args, { code: 'x.failed' })).rejects.toMatchObject({ code: 'x.failed' });
  });

  it('a missing tool, a timeout and an abort are HostErrors, not crashes', async () => {
    await expect(runStatus('banger-no-such-tool', [])).rejects.toMatchObject({ code: 'host.tool_missing' });
    await expect(createExecFileRunner().run(node, script('setTimeout(() => {}, 10000)'), { timeoutMs: 100 })).rejects.toThrow(/timed out after 100 ms/);
    const ac = new AbortController();
    const p = runStatus(node, script('setTimeout(() => {}, 10000)'), { signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'host.aborted' });
  });
});
