import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openInBrowser, redirectPage } from '../../../../src/cli/commands/ui/ui.js';

describe('banger ui --open', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('the redirect page carries the URL in a meta refresh and location.replace, escaped', () => {
    const page = redirectPage('http://127.0.0.1:1/?token=a&b="c"</script>');
    expect(page).toContain('content="0;url=http://127.0.0.1:1/?token=a&amp;b=&quot;c&quot;&lt;/script>"');
    expect(page).toContain('location.replace("http://127.0.0.1:1/?token=a&b=\\"c\\"\\u003c/script>")');
    expect(page).not.toContain('</script></script>');
  });

  it('writes a 0600 file in the runtime dir and reports a missing opener as a problem, not a failure', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bgr-ui-open-'));
    const runtime = join(dir, 'run', 'banger');
    const { file, problem } = await openInBrowser('http://127.0.0.1:1/?token=t', runtime, '/nonexistent/xdg-open');
    expect(file.startsWith(`${runtime}/ui-`)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(runtime).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toContain('?token=t');
    expect(await problem).toMatch(/xdg-open is not installed; open the URL above/);
  });

  it('an opener that fails is reported with its exit code', async () => {
    dir = mkdtempSync(join(tmpdir(), 'bgr-ui-open-'));
    const { problem } = await openInBrowser('http://127.0.0.1:1/?token=t', dir, 'false');
    expect(await problem).toMatch(/false exited with 1/);
  });
});
