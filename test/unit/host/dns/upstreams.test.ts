import { describe, expect, it } from 'vitest';
import { fixedUpstreams, parseResolvConf, systemUpstreams } from '../../../../src/host/dns/index.js';

describe('resolv.conf upstreams', () => {
  it('parses nameserver lines in order, ignoring comments and options', () => {
    const text = '# generated\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n;nameserver 10.0.0.1\nnameserver 192.0.2.1 # second\nnameserver ::1\n';
    expect(parseResolvConf(text)).toEqual(['127.0.0.53', '192.0.2.1', '::1']);
  });

  it('takes every nameserver (127.0.0.53 included), 127.0.0.1 when there is none, never an excluded address; re-reads on mtime change', () => {
    let mtime: number | null = 1;
    let text = 'nameserver 127.0.0.53\nnameserver 172.16.0.1\n';
    let reads = 0;
    const ups = systemUpstreams({
      exclude: ['172.16.0.1'],
      fs: {
        mtimeMs: () => mtime,
        readText: () => {
          reads++;
          return text;
        },
      },
    });
    expect(ups()).toEqual([{ host: '127.0.0.53', port: 53 }]);
    expect(ups()).toEqual([{ host: '127.0.0.53', port: 53 }]);
    expect(reads).toBe(1);
    text = 'search lan\n';
    mtime = 2;
    expect(ups()).toEqual([{ host: '127.0.0.1', port: 53 }]);
    mtime = null; // the file went away
    expect(ups()).toEqual([{ host: '127.0.0.1', port: 53 }]);
  });

  it('default_dns is used as given, minus excluded addresses', () => {
    expect(fixedUpstreams(['198.51.100.53', '172.16.0.1'], ['172.16.0.1'])()).toEqual([{ host: '198.51.100.53', port: 53 }]);
  });
});
