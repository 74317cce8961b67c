/** The hosts-block editor: pure text in, text out; removal must give back the original bytes. */
import { describe, expect, it } from 'vitest';
import { applyHostsBlock, listHostsBlocks, readHostsBlock } from '../../../../src/host/hosts/index.js';
import { instanceId as hostsInstanceId } from '../../../../src/host/network/index.js';
import { HostError } from '../../../../src/errors/index.js';

const A = '0123456789ab';
const B = 'ba9876543210';
const dev = [{ name: 'dev.vm', ip: '172.16.0.2' }];
const two = [
  { name: 'api.vm', ip: '172.16.0.3' },
  { name: 'dev.vm', ip: '172.16.0.2' },
];
const ORIGINAL = '127.0.0.1 localhost\n::1 localhost ip6-localhost\n\n# local names\n10.1.2.3 printer\n';

describe('applyHostsBlock', () => {
  it('appends a block at the end, one "IP NAME" line per entry, in the given order', () => {
    const out = applyHostsBlock(ORIGINAL, A, two);
    expect(out).toBe(`${ORIGINAL}# >>> banger ${A} >>>\n172.16.0.3 api.vm\n172.16.0.2 dev.vm\n# <<< banger ${A} <<<\n`);
    expect(readHostsBlock(out, A)).toEqual([
      { ip: '172.16.0.3', name: 'api.vm' },
      { ip: '172.16.0.2', name: 'dev.vm' },
    ]);
  });

  it('replaces its block in place, leaving lines a user added after it where they are', () => {
    const withBlock = applyHostsBlock(ORIGINAL, A, dev) + '192.0.2.9 added-later\n';
    const out = applyHostsBlock(withBlock, A, two);
    expect(out).toBe(`${ORIGINAL}# >>> banger ${A} >>>\n172.16.0.3 api.vm\n172.16.0.2 dev.vm\n# <<< banger ${A} <<<\n192.0.2.9 added-later\n`);
    expect(applyHostsBlock(out, A, [])).toBe(`${ORIGINAL}192.0.2.9 added-later\n`);
  });

  it('insert, replace, remove gives back the original bytes', () => {
    let text = applyHostsBlock(ORIGINAL, A, dev);
    text = applyHostsBlock(text, A, two);
    text = applyHostsBlock(text, A, dev);
    expect(applyHostsBlock(text, A, [])).toBe(ORIGINAL);
  });

  it('an empty list on a file without a block changes nothing; the same entries twice are a no-op', () => {
    expect(applyHostsBlock(ORIGINAL, A, [])).toBe(ORIGINAL);
    const once = applyHostsBlock(ORIGINAL, A, two);
    expect(applyHostsBlock(once, A, two)).toBe(once);
  });

  it("two instances' blocks side by side: each edits and removes only its own", () => {
    const both = applyHostsBlock(applyHostsBlock(ORIGINAL, A, dev), B, [{ name: 'web.vm', ip: '10.9.0.2' }]);
    expect(listHostsBlocks(both)).toEqual([A, B]);
    const aChanged = applyHostsBlock(both, A, two);
    expect(readHostsBlock(aChanged, B)).toEqual([{ ip: '10.9.0.2', name: 'web.vm' }]);
    const aGone = applyHostsBlock(aChanged, A, []);
    expect(listHostsBlocks(aGone)).toEqual([B]);
    expect(applyHostsBlock(aGone, B, [])).toBe(ORIGINAL);
    // In the other order too.
    expect(applyHostsBlock(applyHostsBlock(both, B, []), A, [])).toBe(ORIGINAL);
  });

  it('a file without a trailing newline: the block brings its own line break and takes it away again', () => {
    const noNl = '127.0.0.1 localhost\n10.1.2.3 printer';
    const out = applyHostsBlock(noNl, A, dev);
    expect(out).toBe(`${noNl}\n# >>> banger ${A} >>>\n172.16.0.2 dev.vm\n# <<< banger ${A} <<<`);
    const replaced = applyHostsBlock(out, A, two);
    expect(replaced.endsWith(`# <<< banger ${A} <<<`)).toBe(true);
    expect(applyHostsBlock(replaced, A, [])).toBe(noNl);
    // A second instance after the first, and removal in either order.
    const both = applyHostsBlock(out, B, dev);
    expect(applyHostsBlock(applyHostsBlock(both, A, []), B, [])).toBe(noNl);
    expect(applyHostsBlock(applyHostsBlock(both, B, []), A, [])).toBe(noNl);
  });

  it('CRLF files get CRLF lines and come back byte-identical', () => {
    const crlf = '127.0.0.1 localhost\r\n10.1.2.3 printer\r\n';
    const out = applyHostsBlock(crlf, A, two);
    expect(out).toBe(`${crlf}# >>> banger ${A} >>>\r\n172.16.0.3 api.vm\r\n172.16.0.2 dev.vm\r\n# <<< banger ${A} <<<\r\n`);
    expect(readHostsBlock(out, A)).toHaveLength(2);
    expect(applyHostsBlock(applyHostsBlock(out, A, dev), A, [])).toBe(crlf);
    const crlfNoNl = '127.0.0.1 localhost\r\n10.1.2.3 printer';
    expect(applyHostsBlock(applyHostsBlock(crlfNoNl, A, dev), A, [])).toBe(crlfNoNl);
  });

  it('an empty file and a missing file (empty text) come back empty', () => {
    const out = applyHostsBlock('', A, dev);
    expect(out).toBe(`# >>> banger ${A} >>>\n172.16.0.2 dev.vm\n# <<< banger ${A} <<<\n`);
    expect(applyHostsBlock(out, A, [])).toBe('');
  });

  it('duplicate blocks of one instance (a crash between two writers) collapse into one', () => {
    const block = `# >>> banger ${A} >>>\n172.16.0.9 old.vm\n# <<< banger ${A} <<<\n`;
    const out = applyHostsBlock(ORIGINAL + block + '10.0.0.1 keep\n' + block, A, dev);
    expect(out).toBe(`${ORIGINAL}# >>> banger ${A} >>>\n172.16.0.2 dev.vm\n# <<< banger ${A} <<<\n10.0.0.1 keep\n`);
  });

  it('refuses to guess about a damaged block, naming the fix', () => {
    const open = `${ORIGINAL}# >>> banger ${A} >>>\n172.16.0.2 dev.vm\n`;
    expect(() => applyHostsBlock(open, A, dev)).toThrow(HostError);
    expect(() => applyHostsBlock(open, A, [])).toThrow(/unterminated block/);
    const stray = `${ORIGINAL}# <<< banger ${A} <<<\n`;
    expect(() => applyHostsBlock(stray, A, [])).toThrow(expect.objectContaining({ code: 'hosts.corrupt', hint: expect.stringContaining('by hand') }));
    // Another instance's damage is not ours to judge.
    expect(applyHostsBlock(open, B, [])).toBe(open);
  });
});

describe('hostsInstanceId', () => {
  it('is 12 hex digits, stable for one uid and state dir, different for another', () => {
    const id = hostsInstanceId(1000, '/home/u/.local/state/banger');
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(hostsInstanceId(1000, '/home/u/.local/state/banger')).toBe(id);
    expect(hostsInstanceId(1001, '/home/u/.local/state/banger')).not.toBe(id);
    expect(hostsInstanceId(1000, '/tmp/x/state/banger')).not.toBe(id);
  });
});
