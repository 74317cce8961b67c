import { describe, expect, it } from 'vitest';
import { buildKernelArgs, prefixToMask } from '../../../src/vmm/kernel-args.js';

describe('buildKernelArgs', () => {
  it('puts network, hostname and the image fragment on one line', () => {
    expect(buildKernelArgs({ imageArgs: 'root=/dev/vda rw', guestIP: '172.16.0.5', gatewayIP: '172.16.0.1', hostname: 'dev' })).toBe(
      'console=ttyS0 quiet panic=-1 net.ifnames=0 ip=172.16.0.5::172.16.0.1:255.255.255.0:dev:eth0:off root=/dev/vda rw',
    );
  });
  it("puts the guest's DNS server in the 8th ip= field", () => {
    expect(buildKernelArgs({ guestIP: '172.16.0.5', gatewayIP: '172.16.0.1', dnsIP: '172.16.0.1', hostname: 'dev' })).toContain(
      'ip=172.16.0.5::172.16.0.1:255.255.255.0:dev:eth0:off:172.16.0.1',
    );
    expect(() => buildKernelArgs({ guestIP: '172.16.0.5', gatewayIP: '172.16.0.1', dnsIP: 'gw', hostname: 'dev' })).toThrow(/DNS server IP/);
  });
  it('honours quiet=false, a console and a dotted mask', () => {
    const a = buildKernelArgs({ guestIP: '10.0.0.2', gatewayIP: '10.0.0.1', netmask: '255.255.0.0', hostname: 'a', quiet: false, console: 'hvc0' });
    expect(a).toBe('console=hvc0 panic=-1 net.ifnames=0 ip=10.0.0.2::10.0.0.1:255.255.0.0:a:eth0:off');
  });
  it.each([
    [{ guestIP: '300.1.1.1', gatewayIP: '10.0.0.1', hostname: 'a' }, /guest IP/],
    [{ guestIP: '10.0.0.2', gatewayIP: 'x', hostname: 'a' }, /gateway IP/],
    [{ guestIP: '10.0.0.2', gatewayIP: '10.0.0.1', hostname: 'bad name' }, /hostname/],
    [{ guestIP: '10.0.0.2', gatewayIP: '10.0.0.1', hostname: 'a', netmask: 33 }, /out of range/],
  ])('rejects bad input %#', (input, msg) => {
    expect(() => buildKernelArgs(input)).toThrow(msg);
  });
  it('converts prefixes to netmasks', () => {
    expect(prefixToMask(20)).toBe('255.255.240.0');
    expect(prefixToMask(0)).toBe('0.0.0.0');
  });
});
