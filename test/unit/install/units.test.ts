import { describe, expect, it } from 'vitest';
import { createRecordingRunner } from '../../../src/host/exec/index.js';
import { createSystemService, renderDaemonUnit, renderHelperUnit, systemctlPlans } from '../../../src/install/index.js';

const p = {
  ownerUser: 'ann', ownerUid: 1000, ownerGid: 1000, nodePath: '/usr/bin/node', distDir: '/opt/banger/dist',
  stateDir: '/home/ann/.local/state/banger', runtimeDir: '/run/user/1000/banger', cacheDir: '/home/ann/.cache/banger', configDir: '/home/ann/.config/banger',
  helperSocket: '/run/banger/helper.sock', tokenFile: '/etc/banger/helper.token', bridge: 'br-banger', tapPrefix: 'bgtap', cidr: '172.16.0.1/24',
};

describe('systemd units', () => {
  it('hardens the helper and limits its capabilities', () => {
    const u = renderHelperUnit(p);
    expect(u).toContain('CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_SYS_ADMIN\n');
    expect(u).toContain('ProtectSystem=strict\n');
    expect(u).toContain('ReadWritePaths=/home/ann/.local/state/banger /run/user/1000/banger /home/ann/.cache/banger\n');
    expect(u).toContain('ReadWritePaths=-/etc/hosts\n');
    expect(u).toContain('RuntimeDirectory=banger\n');
    expect(u).toContain('--root /run/user/1000/banger');
  });

  it('lets the helper run the jailer only with --jailer-base: capabilities, a writable base and cgroup tree, mount namespaces (#19)', () => {
    const plain = renderHelperUnit(p);
    expect(plain).not.toContain('--jailer-base');
    expect(plain).toContain('ProtectControlGroups=yes\n');
    expect(plain).toContain('RestrictNamespaces=yes\n');
    const u = renderHelperUnit({ ...p, jailerBase: '/srv/jailer' });
    expect(u).toContain('--cidr 172.16.0.1/24 --jailer-base /srv/jailer\n');
    expect(u).toContain('CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_SYS_ADMIN CAP_SYS_CHROOT CAP_MKNOD CAP_SETUID CAP_SETGID CAP_SYS_RESOURCE CAP_KILL\n');
    expect(u).toContain('ExecStartPre=+/usr/bin/install -d -m 0755 -o root -g root /srv/jailer\n');
    expect(u).toContain('ReadWritePaths=/srv/jailer /sys/fs/cgroup\n');
    expect(u).not.toContain('ProtectControlGroups=yes');
    expect(u).toContain('RestrictNamespaces=mnt\n');
    expect(u).toContain('NoNewPrivileges=yes\n');
  });

  it('runs bangerd as the owner, bounded to the two capabilities setuid newuidmap/newgidmap need', () => {
    const u = renderDaemonUnit(p);
    expect(u).toContain('User=ann\n');
    expect(u).toContain('CapabilityBoundingSet=CAP_SETUID CAP_SETGID\n');
    expect(u).not.toMatch(/^AmbientCapabilities=./m);
    expect(u).toContain('Environment=XDG_RUNTIME_DIR=/run/user/1000\n');
  });

  it('restart calls systemctl restart for both units when systemd runs', async () => {
    const runner = createRecordingRunner();
    const svc = createSystemService({ runner, env: {}, exists: () => true });
    expect(await svc.restart()).toEqual({ restarted: ['banger-helper.service', 'bangerd.service'] });
    expect(runner.calls).toEqual([{ cmd: 'systemctl', args: [...systemctlPlans.restart[0]] }]);
  });
});
