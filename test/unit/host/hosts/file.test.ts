/** syncHostsBlock on real temp files: rename when it can, in place on a mount point or EBUSY, one write at a time. */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realHostsFs, syncHostsBlock, type HostsFs } from '../../../../src/host/hosts/index.js';

const A = '0123456789ab';
const ORIGINAL = '127.0.0.1 localhost\n10.1.2.3 printer\n';
let dir: string;
let hosts: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bg-hosts-'));
  hosts = join(dir, 'hosts');
  writeFileSync(hosts, ORIGINAL);
  chmodSync(hosts, 0o644);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('syncHostsBlock', () => {
  it('writes by rename (new inode, same mode, no temp file left) and restores the file byte for byte', async () => {
    const ino = statSync(hosts).ino;
    expect(await syncHostsBlock(hosts, A, [{ name: 'dev.vm', ip: '172.16.0.2' }])).toEqual({ changed: true, mode: 'rename' });
    expect(readFileSync(hosts, 'utf8')).toContain('172.16.0.2 dev.vm');
    expect(statSync(hosts).ino).not.toBe(ino);
    expect(statSync(hosts).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['hosts']);
    expect(await syncHostsBlock(hosts, A, [{ name: 'dev.vm', ip: '172.16.0.2' }])).toEqual({ changed: false, mode: 'none' });
    expect(await syncHostsBlock(hosts, A, [])).toEqual({ changed: true, mode: 'rename' });
    expect(readFileSync(hosts, 'utf8')).toBe(ORIGINAL);
  });

  it('rewrites in place when the file is a mount point (a bind-mounted /etc/hosts): same inode', async () => {
    const ino = statSync(hosts).ino;
    const fs: HostsFs = { ...realHostsFs, mountPoints: async () => ['/', hosts] };
    expect(await syncHostsBlock(hosts, A, [{ name: 'dev.vm', ip: '172.16.0.2' }], fs)).toEqual({ changed: true, mode: 'in-place' });
    expect(statSync(hosts).ino).toBe(ino);
    expect(await syncHostsBlock(hosts, A, [], fs)).toMatchObject({ mode: 'in-place' });
    expect(readFileSync(hosts, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(dir)).toEqual(['hosts']);
  });

  it('falls back to an in-place rewrite when rename fails with EBUSY, leaving no temp file', async () => {
    const busy: HostsFs = {
      ...realHostsFs,
      mountPoints: async () => [],
      rename: async () => {
        throw Object.assign(new Error('EBUSY: resource busy or locked, rename'), { code: 'EBUSY' });
      },
    };
    expect(await syncHostsBlock(hosts, A, [{ name: 'dev.vm', ip: '172.16.0.2' }], busy)).toEqual({ changed: true, mode: 'in-place' });
    expect(readFileSync(hosts, 'utf8')).toContain('# >>> banger 0123456789ab >>>');
    expect(readdirSync(dir)).toEqual(['hosts']);
    await syncHostsBlock(hosts, A, [], busy);
    expect(readFileSync(hosts, 'utf8')).toBe(ORIGINAL);
  });

  it('any other rename failure is a HostError naming the file and the way out', async () => {
    const broken: HostsFs = {
      ...realHostsFs,
      mountPoints: async () => [],
      rename: async () => {
        throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
      },
    };
    await expect(syncHostsBlock(hosts, A, [{ name: 'dev.vm', ip: '172.16.0.2' }], broken)).rejects.toMatchObject({
      code: 'hosts.write_failed',
      message: expect.stringContaining(hosts),
      hint: expect.stringContaining('host_dns = "off"'),
    });
    expect(readFileSync(hosts, 'utf8')).toBe(ORIGINAL);
    expect(readdirSync(dir)).toEqual(['hosts']);
  });

  it('edits the file behind a symlinked path, keeping the link', async () => {
    const link = join(dir, 'hosts-link');
    symlinkSync(hosts, link);
    await syncHostsBlock(link, A, [{ name: 'dev.vm', ip: '172.16.0.2' }]);
    expect(readFileSync(hosts, 'utf8')).toContain('dev.vm');
    await syncHostsBlock(link, A, []);
    expect(readFileSync(hosts, 'utf8')).toBe(ORIGINAL);
  });

  it('calls for one file run one at a time, in order: the last table wins', async () => {
    const calls = Array.from({ length: 20 }, (_, i) => syncHostsBlock(hosts, A, [{ name: `vm${i}.vm`, ip: `172.16.0.${i + 2}` }]));
    calls.push(syncHostsBlock(hosts, A, [{ name: 'last.vm', ip: '172.16.0.99' }]));
    await Promise.all(calls);
    expect(readFileSync(hosts, 'utf8')).toBe(`${ORIGINAL}# >>> banger ${A} >>>\n172.16.0.99 last.vm\n# <<< banger ${A} <<<\n`);
  });

  it('creates a missing file only when there is something to write', async () => {
    const missing = join(dir, 'none');
    expect(await syncHostsBlock(missing, A, [])).toEqual({ changed: false, mode: 'none' });
    expect(readdirSync(dir)).toEqual(['hosts']);
    await syncHostsBlock(missing, A, [{ name: 'dev.vm', ip: '172.16.0.2' }]);
    expect(readFileSync(missing, 'utf8')).toBe(`# >>> banger ${A} >>>\n172.16.0.2 dev.vm\n# <<< banger ${A} <<<\n`);
  });
});
