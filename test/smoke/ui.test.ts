/**
 * Smoke (issue 16): the dashboard with one real QEMU VM. `banger ui` and
 * Chromium both run in the rig's network namespace (where bangerd, the bridge
 * and the guest are), so the browser reaches the UI's 127.0.0.1 and the
 * guest's address. The VM page's log shows the guest's console and follows it
 * live; a server started in the guest shows in the ports list, and its link
 * serves the guest's content in the browser.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomSuffix } from '../helpers/host-caps.js';
import { firstMissing, missingBinaries, missingRoot, missingTun, skipReason } from '../helpers/vmm-capabilities.js';
import { authedContext, ensureUiDist, launchChromium, openPage, requiresChromium, screenshot, startUi, until, type UiProcess } from '../browser/support/ui-harness.js';
import { SmokeRig } from './smoke-rig.js';

const missing = firstMissing(missingRoot(), missingTun(), missingBinaries('qemu-system-x86_64', 'qemu-img', 'mkfs.ext4', 'iptables'), requiresChromium() ?? undefined);

describe.skipIf(skipReason(missing))('smoke: banger ui with a real VM', () => {
  let rig: SmokeRig;
  let ui: UiProcess | undefined;
  let browser: Browser | undefined;
  let dispose: (() => void) | undefined;
  let context: BrowserContext;
  const name = `smoke-ui-${randomSuffix(4)}`;

  beforeAll(async () => {
    ensureUiDist();
    rig = new SmokeRig({ tempPrefix: 'bgsui-', netnsTag: 'smui' });
    const built = await rig.buildDefaultImage();
    expect(built.code, built.stderr).toBe(0);
    const created = await rig.cli(['vm', 'create', '--name', name, '--json'], { timeoutMs: 300_000 });
    expect(created.code, created.stderr).toBe(0);
    ui = await startUi({ env: rig.temp.env, netns: rig.netns.name });
    const launched = await launchChromium({ netns: rig.netns.name });
    browser = launched.browser;
    dispose = launched.dispose;
    context = await authedContext(browser, ui);
  }, 900_000);

  afterAll(async () => {
    for (const step of [() => browser?.close(), () => dispose?.(), () => ui?.stop(), () => rig?.cleanup()]) {
      try {
        await step();
      } catch (e) {
        console.warn(`smoke ui cleanup: ${(e as Error).message}`);
      }
    }
  }, 300_000);

  const ssh = (script: string) => rig.cli(['vm', 'ssh', name, '--', 'sh', '-c', script], { timeoutMs: 120_000 });
  const logText = (page: Page) => page.locator('[data-testid=vm-log]').textContent().then((t) => t ?? '');

  it('the VM page\'s log shows the guest console and follows it live: a console line and a kernel line appear without reload', async () => {
    const page = await openPage(context, ui!, `/vms/${name}`);
    await page.locator('[data-testid=vm-detail][data-state=running]').waitFor({ timeout: 30_000 });
    // The tail the page shows is the daemon's (guests boot with `quiet`: it may well be empty so far).
    const daemonLog = async () => (await rig.cli(['vm', 'logs', name], { timeoutMs: 30_000 })).stdout;
    const before = (await daemonLog()).trim();
    if (before) expect(await until(async () => (await logText(page)).includes(before.split('\n').at(-1)!), 15_000, 200)).toBe(true);
    await page.evaluate(() => ((globalThis as unknown as { __bgTestMark?: number }).__bgTestMark = 1));

    // One line from userspace on the console, one from the kernel (a crit printk reaches the console even when quiet).
    const mark = `banger-ui-mark-${randomSuffix(8)}`;
    const kmark = `banger-ui-kernel-${randomSuffix(8)}`;
    const wrote = await ssh(`echo ${mark} > /dev/console; echo "<2>${kmark}" > /dev/kmsg`);
    expect(wrote.code, wrote.stderr).toBe(0);
    // The daemon's log has both (else the guest never wrote them to its serial console) ...
    expect(await until(async () => (await daemonLog()).includes(kmark) && (await daemonLog()).includes(mark), 30_000, 500), `vm logs: ${(await daemonLog()).slice(-600)}`).toBe(true);
    // ... and the open page shows them without a reload, the kernel's with its timestamp.
    const shown = await until(async () => {
      const t = await logText(page);
      return t.includes(mark) && new RegExp(`\\[\\s*\\d+\\.\\d+\\] ${kmark}`).test(t);
    }, 15_000, 100);
    expect(shown, `log tail: ${(await logText(page)).slice(-600)}`).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as { __bgTestMark?: number }).__bgTestMark)).toBe(1);
    await screenshot(page, 'smoke-vm-log');
    await page.close();
  }, 300_000);

  it('a server started in the guest is in the ports list, and its link serves the guest\'s content', async () => {
    const body = `hello from ${name} ${randomSuffix(8)}`;
    const started = await ssh(`mkdir -p /tmp/www && echo '${body}' > /tmp/www/index.html && (busybox httpd -p 8080 -h /tmp/www || (cd /tmp/www && nohup python3 -m http.server 8080 >/dev/null 2>&1 &))`);
    expect(started.code, started.stderr).toBe(0);

    // The ports list is read when the page loads: open it until the row is there (the agent sees the socket soon).
    let page: Page | undefined;
    const link = () => page!.locator('[data-testid=vm-ports] a[data-port="8080"]');
    const found = await until(async () => {
      await page?.close();
      page = await openPage(context, ui!, `/vms/${name}`);
      await page.locator('[data-testid=vm-ports]').waitFor({ timeout: 15_000 });
      return until(async () => (await link().count()) > 0, 5000, 200);
    }, 60_000, 1000);
    expect(found, `ports list: ${await page!.locator('[data-testid=vm-ports]').textContent()}`).toBe(true);
    const href = (await link().getAttribute('href')) ?? '';
    expect(href).toMatch(/^http:\/\/[^/]+:8080\/$/);
    await screenshot(page!, 'smoke-vm-ports');

    // Follow the link as a user does (a new tab or this one), in the browser, inside the namespace.
    const target = await link().getAttribute('target');
    let served: Page;
    if (target === '_blank') {
      const [popup] = await Promise.all([context.waitForEvent('page'), link().click()]);
      await popup.waitForLoadState('domcontentloaded');
      served = popup;
    } else {
      await Promise.all([page!.waitForURL(href), link().click()]);
      served = page!;
    }
    expect(served.url()).toBe(href);
    expect((await served.locator('body').textContent())?.trim()).toBe(body);
    await screenshot(served, 'smoke-vm-port-served');
    await served.close();
    if (served !== page) await page!.close();
  }, 300_000);
});
