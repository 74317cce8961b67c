import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors/index.js';
import { loadConfig, parseConfig, parseDuration } from '../../../src/config/index.js';

describe('loadConfig', () => {
  it('returns every default when the file is missing', () => {
    const c = loadConfig('/nowhere/config.toml', () => undefined);
    expect(c).toMatchObject({
      log_level: 'info',
      vmm: 'auto',
      accel: 'auto',
      bridge_name: 'br-banger',
      bridge_cidr: '172.16.0.1/24',
      tap_pool_size: 2,
      dns_listen: '127.0.0.1:5353',
      default_dns: [],
      host_dns: 'auto',
      default_image: 'default',
      auto_stop_stale_after: '0',
      stats_poll_interval: '10s',
      file_sync: [],
      vm_defaults: {},
    });
  });

  it('reads every key', () => {
    const c = parseConfig(`
log_level = "debug"
vmm = "qemu"
accel = "tcg"
bridge_name = "br-test"
bridge_cidr = "10.9.0.1/24"
tap_pool_size = 0
dns_listen = "127.0.0.1:5454"
default_dns = ["198.51.100.53", "192.0.2.53"]
host_dns = "off"
default_image = "minimal"
auto_stop_stale_after = "2h"
stats_poll_interval = "30s"

[vm_defaults]
vcpu = 2
memory = "2G"
disk_size = "16G"
overlay_size = "4G"

[[file_sync]]
host = "~/.gitconfig"
guest = "~/.gitconfig"
mode = "0644"
`);
    expect(c.vmm).toBe('qemu');
    expect(c.default_dns).toEqual(['198.51.100.53', '192.0.2.53']);
    expect(c.host_dns).toBe('off');
    expect(c.vm_defaults).toEqual({ vcpu: 2, memory: '2G', disk_size: '16G', overlay_size: '4G' });
    expect(c.file_sync).toEqual([{ host: '~/.gitconfig', guest: '~/.gitconfig', mode: '0644' }]);
  });

  it.each([
    ['colour = "red"', /^\/etc\/b\.toml:1:1: unknown key "colour"\n1 \| colour = "red"\n  \| \^$/],
    ['[vm_defaults]\ncpus = 2', /^\/etc\/b\.toml:2:1: unknown key "vm_defaults\.cpus"/],
    ['[[file_sync]]\nhost = "a"\nguest = "b"\nowner = "me"', /^\/etc\/b\.toml:4:1: unknown key "file_sync\[0\]\.owner"/],
  ])('rejects an unknown key with file:line:column: %j', (text, msg) => {
    expect(() => parseConfig(text, '/etc/b.toml')).toThrow(msg);
  });

  it.each([
    ['vmm = "kvmtool"', '/etc/b.toml:1:7: vmm: must be one of "auto", "firecracker", "qemu", "standin"; got the string "kvmtool"'],
    ['bridge_cidr = "172.16.0.1"', '/etc/b.toml:1:15: bridge_cidr: is not an IPv4 CIDR like "172.16.0.1/24"'],
    ['auto_stop_stale_after = "soon"', /^\/etc\/b\.toml:1:25: auto_stop_stale_after: is not a duration/],
    ['# sizes\n[vm_defaults]\ndisk_size = "lots"', '/etc/b.toml:3:13: vm_defaults.disk_size: expected a size like "2G" or "512M", got the string "lots"'],
    ['[vm_defaults]\nmemory = "lots"', '/etc/b.toml:2:10: vm_defaults.memory: expected a size like "2G" or "512M", got the string "lots"'],
    ['[vm_defaults]\nmemory = true', '/etc/b.toml:2:10: vm_defaults.memory: expected a number or a string, got true'],
    ['[vm_defaults]\ndisk_size = 10', '/etc/b.toml:2:13: vm_defaults.disk_size: 10 (a bare number is MiB) is less than the minimum 256M'],
    ['[vm_defaults]\nvcpu = "2"', '/etc/b.toml:2:8: vm_defaults.vcpu: expected a number, got the string "2"'],
    ['[vm_defaults]\nvcpu = 1.5', '/etc/b.toml:2:8: vm_defaults.vcpu: expected a whole number, got the number 1.5'],
    ['[vm_defaults]\nvcpu = 65', '/etc/b.toml:2:8: vm_defaults.vcpu: must be at most 64, got the number 65'],
    ['tap_pool_size = -1', '/etc/b.toml:1:17: tap_pool_size: must be at least 0, got the number -1'],
    ['bridge_name = "a-name-that-is-too-long"', /not a banger bridge name/],
    ['default_dns = ["192.0.2.1", "dns.example.com"]', /^\/etc\/b\.toml:1:15: default_dns\[1\]: is not an IPv4 address/],
    ['default_dns = "192.0.2.53"', '/etc/b.toml:1:15: default_dns: expected a list, got the string "192.0.2.53"'],
    ['vm_defaults.memory = "x"', /^\/etc\/b\.toml:1:22: vm_defaults\.memory: expected a size/],
    ['[[file_sync]]\nhost = "a"\nguest = "b"\n[[file_sync]]\nhost = "c"\nguest = "d"\nmode = "rw"', /^\/etc\/b\.toml:7:8: file_sync\[1\]\.mode: is not an octal mode/],
    ['[[file_sync]]\nhost = "a"', '/etc/b.toml:1:1: file_sync[0].guest: is missing; expected a string'],
  ])('rejects a bad value with file:line:column and the key in plain words: %j', (text, msg) => {
    let message = '';
    try {
      parseConfig(text, '/etc/b.toml');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
      message = (err as Error).message;
    }
    const first = message.split('\n')[0]!;
    if (typeof msg === 'string') expect(first).toBe(msg);
    else expect(message).toMatch(msg);
    // zod's own wording never reaches a user
    expect(message).not.toMatch(/Invalid input|received|Too (big|small)|Invalid option/);
  });

  it('shows the offending line with a caret under the value', () => {
    try {
      parseConfig('log_level = "info"\n\n[vm_defaults]\n\tmemory = "lots"\n', '/c.toml');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe('/c.toml:4:11: vm_defaults.memory: expected a size like "2G" or "512M", got the string "lots"\n4 | \tmemory = "lots"\n  | \t         ^');
      expect((err as InvalidInputError).hint).toBe('give a number with K, M, G or T (binary: 1G = 1024M); a bare number is MiB, e.g. memory = "8G"');
    }
  });

  it('names the fix for a bare size that lacks its unit', () => {
    try {
      parseConfig('[vm_defaults]\ndisk_size = 10', '/c.toml');
      expect.unreachable();
    } catch (err) {
      expect((err as InvalidInputError).hint).toBe('give a unit, e.g. disk_size = "10G"');
    }
  });

  it('accepts every size form, a bare number being MiB', () => {
    const c = parseConfig('[vm_defaults]\nmemory = 2048\ndisk_size = "16 GiB"\noverlay_size = 4096');
    expect(c.vm_defaults).toEqual({ memory: 2048, disk_size: '16 GiB', overlay_size: 4096 });
  });

  it.each([
    ['vmm = ', 1, 7, 'invalid value'],
    ['log_level = "info"\n[vm_defaults\nvcpu = 2', 2, 13, ''],
    ['a = "unterminated\n', 1, 18, 'control characters'],
    ['x = 1\nx = 2', 2, 1, ''],
  ])('reports TOML syntax errors with file:line:column and a caret: %j', (text, line, column, reason) => {
    try {
      parseConfig(text, '/etc/b.toml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
      const [first, src, caret] = (err as Error).message.split('\n');
      expect(first).toMatch(new RegExp(`^/etc/b\\.toml:${line}:${column}: not valid TOML: .*${reason}`));
      expect(src).toBe(`${line} | ${text.split('\n')[line - 1]}`);
      expect(caret).toBe(`  | ${' '.repeat(column - 1)}^`);
      expect((err as InvalidInputError).code).toBe('config.toml');
    }
  });
});

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
  ])('%s → %d ms', (raw, ms) => expect(parseDuration(raw)).toBe(ms));

  it.each(['', 'soon', '5', '-1s', '1w'])('rejects %j', (raw) => expect(parseDuration(raw)).toBeNull());
});
