import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { App } from '../../../tui/index.js';
import { createFakeTuiSource, fakeVm } from '../../fakes/fake-tui-source.js';
import { waitForFrame } from './frames.js';

const now = () => Date.parse('2026-11-23T10:05:00.000Z');


describe('TUI app', () => {
  it('lists VMs with state, IP, spec and uptime', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha'), fakeVm('beta', { state: 'stopped', runtime: { ...fakeVm('beta').runtime, guestIP: '172.16.0.3' } })]);
    const { lastFrame, unmount } = render(<App source={fake.source} now={now} />);
    const f = await waitForFrame(lastFrame, (x) => x.includes('beta'));
    expect(f).toContain('NAME');
    expect(f).toMatch(/alpha\s+running\s+172\.16\.0\.2\s+2\s+1G\s/);
    expect(f).toContain('5m00s');
    expect(f).toMatch(/beta\s+stopped/);
    unmount();
  });

  it('moves the selection and stops the selected running VM with s', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha'), fakeVm('beta', { state: 'stopped' })]);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} />);
    await waitForFrame(lastFrame, (x) => x.includes('beta'));
    stdin.write('s');
    await waitForFrame(lastFrame, (x) => x.includes('stop alpha: done'));
    stdin.write('\u001B[B'); // down arrow
    // Wait for the render, not a fixed time: the key handler sees the state of the last render.
    await waitForFrame(lastFrame, (x) => x.includes('> beta'));
    stdin.write('s');
    await waitForFrame(lastFrame, (x) => x.includes('start beta: done'));
    expect(fake.actions).toEqual([
      { action: 'stop', name: 'alpha' },
      { action: 'start', name: 'beta' },
    ]);
    unmount();
  });

  it('pauses the selected running VM with p and resumes a paused one', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha'), fakeVm('beta', { state: 'paused' })]);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} />);
    await waitForFrame(lastFrame, (x) => /beta\s+paused/.test(x));
    stdin.write('p');
    await waitForFrame(lastFrame, (x) => x.includes('pause alpha: done'));
    stdin.write('\u001B[B');
    await waitForFrame(lastFrame, (x) => x.includes('> beta'));
    stdin.write('p');
    await waitForFrame(lastFrame, (x) => x.includes('resume beta: done'));
    expect(fake.actions).toEqual([
      { action: 'pause', name: 'alpha' },
      { action: 'resume', name: 'beta' },
    ]);
    unmount();
  });

  it('updates a row live from a transition event and keeps it in the details history', async () => {
    const vm = fakeVm('alpha');
    const fake = createFakeTuiSource([vm]);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} />);
    await waitForFrame(lastFrame, (x) => x.includes('alpha'));
    fake.transition({ vmId: vm.id, name: 'alpha', from: 'running', to: 'stopping', event: 'vm.stop', at: '2026-11-23T10:04:00.000Z' });
    await waitForFrame(lastFrame, (x) => /alpha\s+stopping/.test(x));
    stdin.write('\r');
    const details = await waitForFrame(lastFrame, (x) => x.includes('recent transitions'));
    expect(details).toContain('running → stopping');
    unmount();
  });

  it('asks before deleting and only deletes on y', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha')]);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} />);
    await waitForFrame(lastFrame, (x) => x.includes('alpha'));
    stdin.write('d');
    await waitForFrame(lastFrame, (x) => x.includes('y to confirm'));
    stdin.write('n');
    await waitForFrame(lastFrame, (x) => !x.includes('y to confirm'));
    expect(fake.actions).toEqual([]);
    stdin.write('d');
    await waitForFrame(lastFrame, (x) => x.includes('y to confirm'));
    stdin.write('y');
    await waitForFrame(lastFrame, (x) => x.includes('delete alpha: done'));
    expect(fake.actions).toEqual([{ action: 'delete', name: 'alpha' }]);
    unmount();
  });

  it('says when the daemon goes away and reloads the list on reconnect', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha')]);
    const { lastFrame, unmount } = render(<App source={fake.source} now={now} />);
    await waitForFrame(lastFrame, (x) => x.includes('alpha'));
    fake.connection('reconnecting');
    await waitForFrame(lastFrame, (x) => x.includes('reconnecting'));
    fake.setVms([fakeVm('alpha'), fakeVm('gamma')]);
    fake.connection('connected');
    const f = await waitForFrame(lastFrame, (x) => x.includes('gamma'));
    expect(f).toContain('reconnected to the daemon');
    unmount();
  });

  it('shows the console log with l', async () => {
    const fake = createFakeTuiSource([fakeVm('alpha')]);
    const { lastFrame, stdin, unmount } = render(<App source={fake.source} now={now} logRefreshMs={50} />);
    await waitForFrame(lastFrame, (x) => x.includes('alpha'));
    stdin.write('l');
    const f = await waitForFrame(lastFrame, (x) => x.includes('console of alpha'));
    expect(f).toContain('console log: alpha');
    unmount();
  });
});
