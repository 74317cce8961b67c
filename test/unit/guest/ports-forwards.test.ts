import { describe, expect, it } from 'vitest';
import { formatPortsTable, withForwards } from '../../../src/guest/ports/index.js';
import type { ForwardView, PortRow } from '../../../src/model/index.js';

const row = (over: Partial<PortRow>): PortRow => ({ proto: 'tcp', endpoint: 'dev.vm:22', port: 22, process: 'dropbear', command: 'dropbear -R', loopbackOnly: false, ...over });
const fwd = (over: Partial<ForwardView>): ForwardView => ({
  id: 'f1',
  vmId: 'v1',
  vmName: 'dev',
  proto: 'tcp',
  hostIp: '127.0.0.1',
  hostPort: 18080,
  guestPort: 8080,
  createdAt: '2026-01-01T00:00:00.000Z',
  active: true,
  ...over,
});

describe('vm ports: each row with its forward', () => {
  it('adds the forward and what to open: a URL for a web server, host:port otherwise; UDP rows match UDP forwards', () => {
    const rows = [
      row({}),
      row({ proto: 'http', endpoint: 'http://dev.vm:8080/', port: 8080, process: 'httpd', command: 'busybox httpd -p 8080' }),
      row({ proto: 'udp', endpoint: 'dev.vm:9999', port: 9999, process: 'udp-echo', command: '/tmp/udp-echo' }),
    ];
    const out = withForwards(rows, [fwd({}), fwd({ id: 'f2', proto: 'udp', hostPort: 15353, guestPort: 9999, hostIp: '0.0.0.0', active: false }), fwd({ id: 'f3', proto: 'udp', hostPort: 2222, guestPort: 22 })]);
    expect(out[0]).toEqual(rows[0]);
    expect(out[1]).toMatchObject({ forward: '127.0.0.1:18080', forwardEndpoint: 'http://127.0.0.1:18080/' });
    expect(out[1]!.forwardDown).toBeUndefined();
    // A wildcard bind is opened through loopback; a recorded forward that is not listening says so.
    expect(out[2]).toMatchObject({ forward: '0.0.0.0:15353', forwardEndpoint: '127.0.0.1:15353', forwardDown: true });
  });

  it('the table grows a FORWARD column only when some row has one', () => {
    const plain = formatPortsTable([row({})]);
    expect(plain.split('\n')[0]).toMatch(/^PROTO\s+ENDPOINT\s+PROCESS\s+COMMAND$/);
    const table = formatPortsTable(withForwards([row({}), row({ proto: 'http', endpoint: 'http://dev.vm:8080/', port: 8080, process: 'httpd', command: 'httpd' })], [fwd({})]));
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^PROTO\s+ENDPOINT\s+FORWARD\s+PROCESS\s+COMMAND$/);
    expect(lines[1]).toMatch(/^tcp\s+dev\.vm:22\s+-\s+dropbear/);
    expect(lines[2]).toMatch(/^http\s+http:\/\/dev\.vm:8080\/\s+http:\/\/127\.0\.0\.1:18080\/\s+httpd/);
  });
});
