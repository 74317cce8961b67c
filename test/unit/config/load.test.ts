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
    ['colour = "red"', /unknown key "colour" in \/etc\/b\.toml/],
    ['[vm_defaults]\ncpus = 2', /unknown key "vm_defaults\.cpus"/],
    ['[[file_sync]]\nhost = "a"\nguest = "b"\nowner = "me"', /unknown key "file_sync\[0\]\.owner"/],
  ])('rejects an unknown key: %j', (text, msg) => {
    expect(() => parseConfig(text, '/etc/b.toml')).toThrow(msg);
  });

  it.each([
    ['vmm = "kvmtool"', /config key "vmm" in \/etc\/b\.toml/],
    ['bridge_cidr = "172.16.0.1"', /"bridge_cidr" .* is not an IPv4 CIDR/],
    ['auto_stop_stale_after = "soon"', /is not a duration/],
    ['[vm_defaults]\ndisk_size = "lots"', /"vm_defaults\.disk_size" .* is not a size/],
    ['bridge_name = "a-name-that-is-too-long"', /not a banger bridge name/],
    ['default_dns = ["dns.example.com"]', /"default_dns\[0\]" .* is not an IPv4 address/],
    ['default_dns = "192.0.2.53"', /"default_dns"/],
    ['host_dns = "dnsmasq"', /config key "host_dns"/],
  ])('rejects a bad value with the key and file: %j', (text, msg) => {
    expect(() => parseConfig(text, '/etc/b.toml')).toThrow(msg);
  });

  it('reports TOML syntax errors as InvalidInputError with the file', () => {
    expect(() => parseConfig('vmm = ', '/etc/b.toml')).toThrow(InvalidInputError);
    expect(() => parseConfig('vmm = ', '/etc/b.toml')).toThrow(/\/etc\/b\.toml is not valid TOML/);
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
