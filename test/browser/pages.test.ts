/**
 * Browser tier (issue 16): the dashboard (`banger ui`) against a real bangerd
 * with stand-in VMs, in Debian's Chromium. Every page renders; every action
 * changes the daemon's state and every open page follows over the event
 * stream, without a reload; a change made with the CLI shows up in the open
 * page. Assertions read the daemon (RPC), not only the DOM. The selectors are
 * the test hooks listed in src/ui/contract.ts, nothing else.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statePathToIds } from '../../src/debug/viz/daemon-source.js';
import { BangerError, NotFoundError } from '../../src/errors/index.js';
import type { VMRecord, VMState } from '../../src/model/index.js';
import type { RpcClient } from '../../src/rpc/index.js';
import { UI_CSRF_HEADER } from '../../src/ui/contract.js';
import { gated, randomSuffix } from '../helpers/host-caps.js';
import { BANGER_PROFILE, makeTar } from '../helpers/tar-fixtures.js';
import { requiresBrowserTier, screenshot, UiHarness, until, type DomEl, type DomWindow } from './support/ui-harness.js';

const missing = requiresBrowserTier();
/** Polling deadline for "the page follows": generous, it is not a timing assertion. */
const FOLLOW_MS = 15_000;

describe.skipIf(missing !== null)(gated('banger ui pages in Chromium (stand-in VMs)', missing), () => {
  let h: UiHarness;
  let c: RpcClient;
  const tag = randomSuffix(4);
  const n = (base: string) => `${base}-${tag}`;

  beforeAll(async () => {
    h = await UiHarness.start({ tapPoolSize: 2 });
    c = await h.d.client();
  }, 180_000);
  afterAll(async () => {
    await h?.cleanup();
  }, 120_000);

  // ---- helpers ------------------------------------------------------------

  const row = (page: Page, name: string): Locator => page.locator(`[data-testid=vm-row][data-vm="${name}"]`);
  const detail = (page: Page): Locator => page.locator('[data-testid=vm-detail]');
  const vmState = async (name: string): Promise<VMState | undefined> => (await c.call('vm.list', {})).find((v) => v.name === name)?.state;

  /** Waits until the row shows `state` (data-state), or fails naming what the page and the daemon say. */
  async function rowShows(page: Page, name: string, state: string | null, timeoutMs = FOLLOW_MS): Promise<void> {
    const ok = await until(async () => {
      const r = row(page, name);
      if (state === null) return (await r.count()) === 0;
      return (await r.count()) === 1 && (await r.getAttribute('data-state')) === state;
    }, timeoutMs);
    if (!ok) {
      const shown = (await row(page, name).count()) ? await row(page, name).getAttribute('data-state') : 'no row';
      throw new Error(`row ${name}: wanted ${state ?? 'no row'}, page shows ${shown}, daemon says ${(await vmState(name)) ?? 'no VM'}`);
    }
  }

  async function daemonReaches(name: string, state: VMState | null): Promise<void> {
    const ok = await until(async () => ((await vmState(name)) ?? null) === state, FOLLOW_MS, 100);
    if (!ok) throw new Error(`daemon: ${name} is ${(await vmState(name)) ?? 'gone'}, wanted ${state ?? 'gone'}`);
  }

  /**
   * Clicks an action button in `scope`, confirms the dialog if the app asks
   * (filling `fill` fields first), and polls until `done`. Returns whether a
   * confirmation dialog was shown.
   */
  async function act(page: Page, scope: Locator, action: string, done: () => Promise<boolean>, fill: Record<string, string> = {}): Promise<boolean> {
    const button = scope.locator(`[data-action=${action}]`);
    await expect.poll(() => button.isEnabled(), { timeout: FOLLOW_MS, message: `${action} button enabled` }).toBe(true);
    await button.click();
    let confirmed = false;
    const ok = await until(async () => {
      const dialog = page.locator('[data-testid=confirm-dialog]');
      if (!confirmed && (await dialog.count()) && (await dialog.isVisible())) {
        for (const [testid, value] of Object.entries(fill)) await dialog.locator(`[data-testid=${testid}]`).fill(value);
        await dialog.locator('[data-testid=confirm-ok]').click();
        confirmed = true;
      }
      return done();
    }, FOLLOW_MS * 2, 100);
    const toast = page.locator('[data-testid=toast-error]');
    if (!ok) throw new Error(`${action}: never done${(await toast.count()) ? `; the page says: ${await toast.first().textContent()}` : ''}`);
    return confirmed;
  }

  /** Marks the window; `notReloaded` is true while the same document is still loaded. */
  const markWindow = (page: Page) => page.evaluate(() => ((globalThis as unknown as DomWindow).__bgTestMark = 1));
  const notReloaded = (page: Page) => page.evaluate(() => (globalThis as unknown as DomWindow).__bgTestMark === 1);

  async function shownRows(page: Page): Promise<Array<[string, string]>> {
    return page.locator('[data-testid=vm-row]').evaluateAll((els) => (els as unknown as DomEl[]).map((e) => [e.getAttribute('data-vm') ?? '', e.getAttribute('data-state') ?? ''] as [string, string]).sort());
  }
  const daemonRows = async () => (await c.call('vm.list', {})).map((v) => [v.name, v.state] as [string, string]).sort();

  /** The daemon's error for the same request, to compare with what the page shows. */
  async function daemonError(fn: () => Promise<unknown>): Promise<BangerError> {
    const err = await fn().then(
      () => null,
      (e: unknown) => e,
    );
    if (!(err instanceof BangerError)) throw new Error(`expected the daemon to refuse, got ${String(err)}`);
    return err;
  }

  // ---- VMs page -------------------------------------------------------------

  it('the VMs page lists exactly the daemon\'s VMs, with their state and cells', async () => {
    await c.call('vm.create', { name: n('web') });
    await c.call('vm.create', { name: n('idle'), noStart: true });
    const page = await h.open('/');
    await page.locator('[data-testid=vm-table]').waitFor();
    expect(await until(async () => JSON.stringify(await shownRows(page)) === JSON.stringify(await daemonRows()), FOLLOW_MS)).toBe(true);
    const web = row(page, n('web'));
    for (const col of ['state', 'image', 'size', 'ip', 'cpu', 'memory', 'uptime']) expect(await web.locator(`[data-col=${col}]`).count(), `cell ${col}`).toBe(1);
    const vm = await c.call('vm.show', { name: n('web') });
    expect(await web.locator('[data-col=ip]').textContent()).toContain(vm.runtime.guestIP);
    expect(await web.locator('[data-col=image]').textContent()).toContain('standin');
    // Only the actions valid for the state are enabled.
    expect(await web.locator('[data-action=stop]').isEnabled()).toBe(true);
    expect(await web.locator('[data-action=start]').isEnabled()).toBe(false);
    expect(await row(page, n('idle')).locator('[data-action=start]').isEnabled()).toBe(true);
    expect(await row(page, n('idle')).locator('[data-action=resume]').isEnabled()).toBe(false);
    expect(await page.locator('[data-testid=nav-vms]').count()).toBe(1);
    await screenshot(page, 'vms');
    await page.close();
  });

  it('create through the form: the daemon has the VM, the row appears and follows it to running', async () => {
    const page = await h.open('/');
    await markWindow(page);
    const name = n('formed');
    const form = page.locator('[data-testid=create-vm-form]');
    await form.locator('[name=name]').fill(name);
    await page.locator('[data-testid=create-vm-submit]').click();
    await daemonReaches(name, 'running');
    await rowShows(page, name, 'running');
    expect((await c.call('vm.show', { name })).imageId).toBe((await c.call('image.show', { name: 'standin' })).id);
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  it('a refused create (a duplicate name) shows the daemon\'s error with its hint; nothing is made', async () => {
    const page = await h.open('/');
    await markWindow(page);
    const form = page.locator('[data-testid=create-vm-form]');
    const formError = page.locator('[data-testid=form-error]');
    const before = await daemonRows();
    const dup = await daemonError(() => c.call('vm.create', { name: n('web') }));
    expect(dup.hint).toBeTruthy();
    await form.locator('[name=name]').fill(n('web'));
    await page.locator('[data-testid=create-vm-submit]').click();
    await formError.waitFor({ timeout: FOLLOW_MS });
    await expect.poll(() => formError.textContent(), { timeout: FOLLOW_MS }).toContain(dup.message);
    expect(await formError.textContent()).toContain(dup.hint);
    await screenshot(page, 'vms-create-refused');
    expect(await daemonRows()).toEqual(before);
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  it('an invalid name: the server answers with the daemon\'s error and hint, and the form shows message and hint', async () => {
    const page = await h.open('/');
    await markWindow(page);
    const before = await daemonRows();
    const bad = `Bad_Name-${tag}`;
    const invalid = await daemonError(() => c.call('vm.create', { name: bad }));
    expect(invalid.hint).toBeTruthy();
    // The route itself, from the page (its cookie and Origin, the contract's CSRF header).
    const answer = await page.evaluate(
      async ([body, header]) => {
        const res = await fetch('/api/vms', { method: 'POST', headers: { 'content-type': 'application/json', [header]: '1' }, body });
        return { status: res.status, body: (await res.json()) as { error?: { message: string; hint?: string } } };
      },
      [JSON.stringify({ name: bad }), UI_CSRF_HEADER] as const,
    );
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.body.error).toMatchObject({ message: invalid.message, hint: invalid.hint });

    // The form (which may check the name before sending) shows the same message and hint (contract: text = message + hint).
    const form = page.locator('[data-testid=create-vm-form]');
    const formError = page.locator('[data-testid=form-error]');
    await form.locator('[name=name]').fill(bad);
    await page.locator('[data-testid=create-vm-submit]').click();
    await expect.poll(() => formError.textContent(), { timeout: FOLLOW_MS }).toContain(invalid.message);
    expect(await formError.textContent(), 'the form error carries the daemon\'s hint').toContain(invalid.hint);
    expect(await daemonRows()).toEqual(before);
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  it('stop asks first (cancel changes nothing), then stop, start, restart, pause and resume drive the daemon and the row follows', async () => {
    const name = n('web');
    const page = await h.open('/');
    await markWindow(page);
    await rowShows(page, name, 'running');
    const r = row(page, name);

    // Cancel: the dialog goes, the VM keeps running.
    await r.locator('[data-action=stop]').click();
    const dialog = page.locator('[data-testid=confirm-dialog]');
    await dialog.waitFor({ timeout: FOLLOW_MS });
    await screenshot(page, 'vms-confirm-stop');
    await dialog.locator('[data-testid=confirm-cancel]').click();
    await dialog.waitFor({ state: 'hidden', timeout: FOLLOW_MS });
    expect(await vmState(name)).toBe('running');

    expect(await act(page, r, 'stop', async () => (await vmState(name)) === 'stopped')).toBe(true);
    await rowShows(page, name, 'stopped');

    await act(page, r, 'start', async () => (await vmState(name)) === 'running');
    await rowShows(page, name, 'running');

    const pidBefore = (await c.call('vm.show', { name })).runtime.vmmPid;
    await act(page, r, 'restart', async () => {
      const vm = await c.call('vm.show', { name });
      return vm.state === 'running' && vm.runtime.vmmPid !== pidBefore;
    });
    await rowShows(page, name, 'running');

    await act(page, r, 'pause', async () => (await vmState(name)) === 'paused');
    await rowShows(page, name, 'paused');
    expect(await r.locator('[data-action=resume]').isEnabled()).toBe(true);
    expect(await r.locator('[data-action=pause]').isEnabled()).toBe(false);

    await act(page, r, 'resume', async () => (await vmState(name)) === 'running');
    await rowShows(page, name, 'running');
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  it('fork from a row: the daemon has the copy and its row appears', async () => {
    const page = await h.open('/');
    await markWindow(page);
    const fork = n('forked');
    const settled = async () => ['running', 'stopped', 'created'].includes((await vmState(fork)) ?? 'gone');
    await act(page, row(page, n('web')), 'fork', settled, { 'fork-name': fork });
    const vm = await c.call('vm.show', { name: fork });
    await rowShows(page, fork, vm.state);
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  it('delete asks first, then the VM is gone from the daemon and its row disappears', async () => {
    const page = await h.open('/');
    await markWindow(page);
    const name = n('forked');
    await rowShows(page, name, (await vmState(name)) ?? 'gone');
    const asked = await act(page, row(page, name), 'delete', async () => (await vmState(name)) === undefined);
    expect(asked).toBe(true);
    await rowShows(page, name, null);
    await expect(c.call('vm.show', { name })).rejects.toBeInstanceOf(NotFoundError);
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  it('a VM stopped with the CLI shows stopped in the open VMs page and VM page within 2 s', async () => {
    const name = n('web');
    const list = await h.open('/');
    const page = await h.open(`/vms/${name}`);
    await markWindow(list);
    await markWindow(page);
    await rowShows(list, name, 'running');
    await until(async () => (await detail(page).getAttribute('data-state')) === 'running', FOLLOW_MS);
    const res = await h.d.cli(['vm', 'stop', name]);
    expect(res.code, res.stderr).toBe(0);
    const t0 = Date.now();
    expect(await vmState(name)).toBe('stopped');
    const both = await until(async () => (await row(list, name).getAttribute('data-state')) === 'stopped' && (await detail(page).getAttribute('data-state')) === 'stopped', 2000, 25);
    console.log(`CLI stop reflected in the open pages after ${Date.now() - t0} ms`);
    expect(both).toBe(true);
    // And back, from the CLI again.
    expect((await h.d.cli(['vm', 'start', name])).code).toBe(0);
    await rowShows(list, name, 'running');
    expect(await notReloaded(list)).toBe(true);
    expect(await notReloaded(page)).toBe(true);
    await list.close();
    await page.close();
  });

  // ---- VM page --------------------------------------------------------------

  it('the VM page shows spec, runtime, charts, log, machine (the daemon\'s state lit) and snapshots; a snapshot taken there appears', async () => {
    const name = n('web');
    const vm = await c.call('vm.show', { name });
    const page = await h.open(`/vms/${name}`);
    await markWindow(page);
    const d = detail(page);
    await d.waitFor({ timeout: FOLLOW_MS });
    expect(await d.getAttribute('data-vm')).toBe(name);
    expect(await d.getAttribute('data-state')).toBe(vm.state);
    // Parts load on their own (the machine drawing fetches the graphs): wait for each.
    for (const id of ['vm-spec', 'vm-runtime', 'vm-chart-cpu', 'vm-chart-memory', 'vm-log', 'vm-ports', 'vm-snapshots', 'vm-machine']) {
      await expect.poll(() => page.locator(`[data-testid=${id}]`).count(), { timeout: FOLLOW_MS, message: id }).toBe(1);
    }
    expect(await page.locator('[data-testid=vm-spec]').textContent()).toContain(String(vm.spec.vcpuCount));
    expect(await page.locator('[data-testid=vm-runtime]').textContent()).toContain(vm.runtime.guestIP);
    expect(await page.locator('[data-testid=vm-chart-cpu]').evaluate((e) => (e as unknown as DomEl).tagName.toLowerCase())).toBe('svg');
    expect(await page.locator('[data-testid=vm-log]').evaluate((e) => (e as unknown as DomEl).tagName.toLowerCase())).toBe('pre');

    // The machine drawing lights the daemon's own state of this VM's actor.
    const actor = (await c.call('debug.actors', {})).find((a) => a.id === `vm:${vm.id}`);
    expect(actor, 'the daemon has an actor for the VM').toBeDefined();
    const want = statePathToIds('vm', actor!.state).sort();
    const lit = () => page.locator('[data-testid=vm-machine] .state.active').evaluateAll((els) => (els as unknown as DomEl[]).map((e) => e.getAttribute('data-state') ?? '').sort());
    await expect.poll(lit, { timeout: FOLLOW_MS }).toEqual(want);
    await screenshot(page, 'vm-detail');

    // Snapshot from the page; the row appears under vm-snapshots, and the daemon has it.
    const snap = n('snap');
    await act(page, d, 'snapshot', async () => (await c.call('vm.snapshot.list', { name })).some((s) => s.name === snap), { 'snapshot-name': snap });
    await page.locator(`[data-testid=vm-snapshots] [data-testid=snapshot-row][data-snapshot="${snap}"]`).waitFor({ timeout: FOLLOW_MS });
    await until(async () => (await d.getAttribute('data-state')) === (await vmState(name)), FOLLOW_MS);
    expect(await d.getAttribute('data-state')).toBe(await vmState(name));
    expect(await notReloaded(page)).toBe(true);
    await screenshot(page, 'vm-detail-snapshot');
    await page.close();
  });

  it('the VM page follows its VM: stop from the page moves data-state and the lit machine state', async () => {
    const name = n('web');
    const page = await h.open(`/vms/${name}`);
    await markWindow(page);
    const d = detail(page);
    await d.waitFor({ timeout: FOLLOW_MS });
    await act(page, d, 'stop', async () => (await vmState(name)) === 'stopped');
    await expect.poll(() => d.getAttribute('data-state'), { timeout: FOLLOW_MS }).toBe('stopped');
    const vm = await c.call('vm.show', { name });
    const actor = (await c.call('debug.actors', {})).find((a) => a.id === `vm:${vm.id}`);
    const want = statePathToIds('vm', actor?.state).sort();
    await expect
      .poll(() => page.locator('[data-testid=vm-machine] .state.active').evaluateAll((els) => (els as unknown as DomEl[]).map((e) => e.getAttribute('data-state') ?? '').sort()), { timeout: FOLLOW_MS })
      .toEqual(want);
    await act(page, d, 'start', async () => (await vmState(name)) === 'running');
    await expect.poll(() => d.getAttribute('data-state'), { timeout: FOLLOW_MS }).toBe('running');
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  // ---- Images page ----------------------------------------------------------

  it('the images page lists the daemon\'s images; deleting one in use is refused naming the VMs that use it', async () => {
    const page = await h.open('/images');
    await markWindow(page);
    await page.locator('[data-testid=image-table]').waitFor({ timeout: FOLLOW_MS });
    const names = (await c.call('image.list', {})).map((i) => i.name).sort();
    const shown = () => page.locator('[data-testid=image-row]').evaluateAll((els) => (els as unknown as DomEl[]).map((e) => e.getAttribute('data-image') ?? '').sort());
    await expect.poll(shown, { timeout: FOLLOW_MS }).toEqual(names);
    for (const id of ['build-image-form', 'import-image-form']) expect(await page.locator(`[data-testid=${id}]`).count(), id).toBe(1);
    await screenshot(page, 'images');

    const users = (await c.call('vm.list', {})).filter((v) => v.imageId === 'f'.repeat(32)).map((v) => v.name);
    expect(users.length).toBeGreaterThan(0);
    const refusal = await daemonError(() => c.call('image.delete', { name: 'standin' }));
    const toast = page.locator('[data-testid=toast-error]');
    await act(page, page.locator('[data-testid=image-row][data-image=standin]'), 'delete', async () => (await toast.count()) > 0);
    await expect.poll(() => toast.first().textContent(), { timeout: FOLLOW_MS }).toContain(refusal.message);
    const text = (await toast.first().textContent()) ?? '';
    for (const u of users) expect(text).toContain(u);
    if (refusal.hint) expect(text).toContain(refusal.hint);
    expect((await c.call('image.list', {})).map((i) => i.name)).toContain('standin');
    await expect.poll(shown, { timeout: FOLLOW_MS }).toEqual(names);
    await screenshot(page, 'images-delete-refused');
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  it('import through the form: the image appears in the daemon and the list; deleting it removes the row', async () => {
    // The import borrows the default image's kernel: give the stand-in image a (fake) one, in our temp root.
    const standin = await c.call('image.show', { name: 'standin' });
    mkdirSync(dirname(standin.kernelPath), { recursive: true });
    writeFileSync(standin.kernelPath, 'not a kernel: stand-in VMs never boot it\n');
    const tarPath = join(h.d.temp.root, `rootfs-${tag}.tar`);
    writeFileSync(tarPath, await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n' }, { name: 'etc/hostname', body: 'imported\n' }, BANGER_PROFILE]));

    const page = await h.open('/images');
    await markWindow(page);
    const image = n('imported');
    const form = page.locator('[data-testid=import-image-form]');
    await form.locator('[name=name]').fill(image);
    await form.locator('[name=source]').fill(tarPath);
    await form.evaluate((f) => (f as unknown as { requestSubmit(): void }).requestSubmit());
    const ok = await until(async () => (await c.call('image.list', {})).some((i) => i.name === image), 120_000, 200);
    const formError = page.locator('[data-testid=form-error]');
    expect(ok, (await formError.count()) ? `the page says: ${await formError.first().textContent()}` : 'import never finished').toBe(true);
    const imgRow = page.locator(`[data-testid=image-row][data-image="${image}"]`);
    await imgRow.waitFor({ timeout: FOLLOW_MS });

    await act(page, imgRow, 'delete', async () => !(await c.call('image.list', {})).some((i) => i.name === image));
    await imgRow.waitFor({ state: 'detached', timeout: FOLLOW_MS });
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  // ---- Machines page --------------------------------------------------------

  it('the machines page draws the vm machine inside the window; zoom changes the transform; a selected actor lights the daemon\'s state; the log grows on a transition', async () => {
    const name = n('web');
    const page = await h.open('/machines');
    await markWindow(page);
    const svg = page.locator('svg[data-machine=vm]');
    await svg.waitFor({ timeout: FOLLOW_MS });
    expect(await svg.locator('g.state').count()).toBeGreaterThan(3);
    await page.locator('[data-testid=zoom-fit]').click();
    const fits = async () => {
      const box = await svg.boundingBox();
      const vp = page.viewportSize()!;
      return box !== null && box.width > 0 && box.height > 0 && box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width + 1 && box.y + box.height <= vp.height + 1;
    };
    expect(await until(fits, FOLLOW_MS), `vm graph ${JSON.stringify(await svg.boundingBox())} within ${JSON.stringify(page.viewportSize())}`).toBe(true);
    await screenshot(page, 'machines');

    // Zoom: the drawing's transform on screen (its CTM, whatever element carries the zoom) scales up, then down.
    const transform = () =>
      svg.evaluate((el) => {
        const m = (el as unknown as DomEl).getScreenCTM();
        return m ? { a: m.a, d: m.d, e: m.e, f: m.f } : null;
      });
    const fitted = (await transform())!;
    expect(fitted).not.toBeNull();
    await page.locator('[data-testid=zoom-in]').click();
    await expect.poll(async () => (await transform())!.a, { timeout: FOLLOW_MS }).toBeGreaterThan(fitted.a);
    const zoomedIn = (await transform())!;
    expect(zoomedIn.d).toBeGreaterThan(fitted.d);
    await page.locator('[data-testid=zoom-out]').click();
    await expect.poll(async () => (await transform())!.a, { timeout: FOLLOW_MS }).toBeLessThan(zoomedIn.a);
    await page.locator('[data-testid=zoom-fit]').click();
    expect(await until(fits, FOLLOW_MS)).toBe(true);

    // Select the VM's actor: the lit states are the daemon's debug.actors state.
    const vm = await c.call('vm.show', { name });
    const actorId = `vm:${vm.id}`;
    await page.locator(`[data-testid=actor-row][data-actor="${actorId}"]`).click();
    const lit = () => svg.locator('.state.active').evaluateAll((els) => (els as unknown as DomEl[]).map((e) => e.getAttribute('data-state') ?? '').sort());
    const daemonLit = async () => statePathToIds('vm', (await c.call('debug.actors', {})).find((a) => a.id === actorId)?.state).sort();
    await expect.poll(async () => JSON.stringify(await lit()) === JSON.stringify(await daemonLit()), { timeout: FOLLOW_MS }).toBe(true);
    expect((await lit()).length).toBeGreaterThan(0);
    await screenshot(page, 'machines-actor');

    // A transition of the VM: the log grows and the lit state moves with the daemon's.
    const entries = page.locator('[data-testid=transition-log] [data-testid=transition-entry]');
    const before = await entries.count();
    await c.call('vm.stop', { name });
    await expect.poll(() => entries.count(), { timeout: FOLLOW_MS }).toBeGreaterThan(before);
    await expect.poll(async () => JSON.stringify(await lit()) === JSON.stringify(await daemonLit()), { timeout: FOLLOW_MS }).toBe(true);
    expect(await lit()).toContain('vm.stopped');
    await c.call('vm.start', { name });
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  it('navigation between pages keeps one document and the daemon status says connected', async () => {
    const page = await h.open('/');
    await markWindow(page);
    for (const [nav, hook] of [
      ['nav-images', 'image-table'],
      ['nav-machines', 'transition-log'],
      ['nav-vms', 'vm-table'],
    ] as const) {
      await page.locator(`[data-testid=${nav}]`).click();
      await page.locator(`[data-testid=${hook}]`).waitFor({ timeout: FOLLOW_MS });
    }
    await row(page, n('web')).locator('a').first().click();
    await detail(page).waitFor({ timeout: FOLLOW_MS });
    expect(new URL(page.url()).pathname).toBe(`/vms/${n('web')}`);
    expect(await page.locator('[data-testid=daemon-status]').getAttribute('data-state')).toBe('connected');
    expect(await notReloaded(page)).toBe(true);
    await page.close();
  });

  it('six tabs of the dashboard in one browser: a seventh still loads and an action in any of them still completes', async () => {
    // Chromium keeps at most 6 HTTP/1.1 connections per host in one profile; a tab's event stream holds one for good.
    const pages: Page[] = [];
    const name = n('tabs');
    await c.call('vm.create', { name, noStart: true });
    try {
      for (let i = 0; i < 6; i++) {
        pages.push(
          await h.open('/').catch((e: unknown) => {
            throw new Error(`tab ${i + 1} of 6 did not open: ${(e as Error).message.split('\n')[0]}`);
          }),
        );
      }
      const last = pages.at(-1)!;
      await rowShows(last, name, (await vmState(name)) ?? 'gone');
      await act(last, row(last, name), 'start', async () => (await vmState(name)) === 'running');
      for (const p of pages) await rowShows(p, name, 'running');
      const seventh = await h.context.newPage();
      pages.push(seventh);
      await seventh.goto(`${h.ui.origin}/`, { waitUntil: 'domcontentloaded', timeout: FOLLOW_MS });
      await seventh.locator('[data-testid=daemon-status][data-state=connected]').waitFor({ timeout: FOLLOW_MS });
    } finally {
      for (const p of pages) await p.close();
      await c.call('vm.delete', { name, force: true }).catch(() => undefined);
    }
  });

  it('the daemon\'s VMs are as the tests left them (no stray VM was made)', async () => {
    const vms: VMRecord[] = await c.call('vm.list', {});
    expect(vms.map((v) => v.name).sort()).toEqual([n('formed'), n('idle'), n('web')].sort());
  });
});
