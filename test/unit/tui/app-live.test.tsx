import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcClient } from '../../../src/rpc/index.js';
import { App, createDaemonSource, type DaemonTuiSource } from '../../../tui/index.js';
import { createFakeTuiSource, fakeVm } from '../../fakes/fake-tui-source.js';
import { FakeDaemon } from './fake-daemon.js';
import { waitForFrame } from './frames.js';

const now = () => Date.parse('2026-11-23T10:05:00.000Z');

describe('TUI app, live behaviour', () => {
  it('says "daemon restarted, reconnected" when the daemon pid changed', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha')]);
    const { lastFrame, unmount } = render(<App source={fake.source} now={now} />);
    await waitForFrame(lastFrame, (x) => x.includes('alpha'));
    fake.connection('reconnecting');
    await waitForFrame(lastFrame, (x) => x.includes('reconnecting'));
    fake.connectionInfo('connected', { restarted: true });
    const f = await waitForFrame(lastFrame, (x) => x.includes('daemon restarted, reconnected'));
    expect(f).toContain('● daemon');
    unmount();
  });

  it('shows the lifecycle state in the row when a transition names a substate', async () => {
    const vm = fakeVm('alpha', { state: 'stopped' });
    const fake = createFakeTuiSource([vm]);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} />);
    await waitForFrame(lastFrame, (x) => /alpha\s+stopped/.test(x));
    fake.transition({ vmId: vm.id, name: 'alpha', from: 'stopped', to: 'starting.network', event: 'xstate.done.actor.storage', at: '2026-11-23T10:04:00.000Z' });
    await waitForFrame(lastFrame, (x) => /alpha\s+starting\s/.test(x));
    stdin.write('\r');
    const d = await waitForFrame(lastFrame, (x) => x.includes('recent transitions'));
    expect(d).toContain('stopped → starting.network');
    expect(d).toMatch(/spec: 2 vcpu · 1G memory · 8G disk · nat off/);
    expect(d).toMatch(/vmm: qemu\s+pid: -\s+tap: -/);
    expect(d).toContain('log: /s/l');
    expect(d).toContain('last error: -');
    unmount();
  });

  it('updates CPU and RSS from stats events', async () => {
    const vm = fakeVm('alpha');
    const fake = createFakeTuiSource([vm]);
    const { lastFrame, unmount } = render(<App source={fake.source} now={now} />);
    await waitForFrame(lastFrame, (x) => x.includes('alpha'));
    fake.stats({ vmId: vm.id, stats: { cpuPercent: 42.25, rssBytes: 300 * 1024 * 1024 } });
    const f = await waitForFrame(lastFrame, (x) => x.includes('42.3%'));
    expect(f).toMatch(/42\.3%\s+300M/);
    unmount();
  });

  it('shows the error of a failed action on the status line', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha')]);
    fake.source.act = async () => {
      throw new Error('vm "alpha" is busy starting');
    };
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} />);
    await waitForFrame(lastFrame, (x) => x.includes('alpha'));
    stdin.write('r');
    await waitForFrame(lastFrame, (x) => x.includes('restart alpha failed: vm "alpha" is busy starting'));
    unmount();
  });

  it('drops low-priority columns when the terminal shrinks and brings them back when it grows', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha')]);
    const { lastFrame, stdout, unmount } = render(<App source={fake.source} now={now} />);
    await waitForFrame(lastFrame, (x) => x.includes('IMAGE'));
    const resize = (columns: number): void => {
      Object.defineProperty(stdout, 'columns', { configurable: true, get: () => columns });
      stdout.emit('resize');
    };
    resize(40);
    const narrow = await waitForFrame(lastFrame, (x) => !x.includes('IMAGE') && x.includes('alpha'));
    expect(narrow).toContain('STATE');
    expect(narrow).not.toContain('UPTIME');
    resize(140);
    await waitForFrame(lastFrame, (x) => x.includes('IMAGE'));
    unmount();
  });
});

describe('TUI app over the daemon source (fake bangerd on a real socket)', () => {
  let daemon: FakeDaemon | undefined;
  let source: DaemonTuiSource | undefined;
  afterEach(async () => {
    source?.close();
    await daemon?.dispose();
  });

  it('lists, stops with s, follows the transition notification, and survives a daemon restart', async () => {
    const alpha = fakeVm('alpha');
    let vms = [alpha, fakeVm('beta', { state: 'stopped' })];
    const d = new FakeDaemon({
      'vm.list': () => vms,
      'events.subscribe': (p) => ({ topics: p.topics }),
      'vm.stop': (p) => {
        // Like bangerd: the reply comes after the transitions were broadcast.
        setTimeout(() => d.notify('vm.transition', { vmId: alpha.id, name: 'alpha', from: 'running', to: 'stopped', event: 'vm.stop', at: new Date().toISOString() }), 5);
        return { ...alpha, name: p.name, state: 'stopped' };
      },
    });
    daemon = d;
    await d.start();
    source = createDaemonSource({ connect: () => RpcClient.connect(d.socketPath, { timeoutMs: 500 }), backoff: { initialMs: 20, maxMs: 100 } });
    const { lastFrame, stdin, unmount } = render(<App source={source} now={now} />);
    await waitForFrame(lastFrame, (x) => /alpha\s+running/.test(x) && x.includes('beta'));
    stdin.write('s');
    await waitForFrame(lastFrame, (x) => /alpha\s+stopped/.test(x));
    expect(d.calls.some((c) => c.method === 'vm.stop' && c.params.name === 'alpha')).toBe(true);

    vms = [...vms, fakeVm('gamma', { state: 'stopped' })];
    await d.restart(100);
    const f = await waitForFrame(lastFrame, (x) => x.includes('daemon restarted, reconnected') && x.includes('gamma'), 5000);
    expect(f).toContain('● daemon');
    unmount();
  });
});
