import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { createCapture, refuseTtyWithJson } from '../../../src/cli/capture.js';
import { fromCommanderError, usageCode } from '../../../src/cli/usage-error.js';
import { UsageError } from '../../../src/errors/index.js';

describe('usage errors from commander (issue 18: distinct codes)', () => {
  it.each([
    ['commander.unknownCommand', 'usage.unknown_command'],
    ['commander.unknownOption', 'usage.unknown_option'],
    ['commander.missingArgument', 'usage.missing_argument'],
    ['commander.excessArguments', 'usage.too_many_arguments'],
    ['commander.invalidArgument', 'usage.invalid_value'],
    ['commander.optionMissingArgument', 'usage.missing_option_value'],
    ['commander.missingMandatoryOptionValue', 'usage.missing_required_option'],
    ['commander.conflictingOption', 'usage.conflicting_options'],
    ['commander.help', 'usage.missing_command'],
    ['commander.somethingNew', 'usage.invalid'],
  ])('%s → %s', (from, to) => {
    expect(usageCode(from)).toBe(to);
  });

  it('keeps the message, points the hint at the command that failed, exits 2', () => {
    const e = fromCommanderError(new CommanderError(1, 'commander.missingArgument', "error: missing required argument 'name'"), 'vm show');
    expect(e).toBeInstanceOf(UsageError);
    expect(e.toJSON()).toEqual({ kind: 'usage', code: 'usage.missing_argument', message: "missing required argument 'name'", hint: 'see banger vm show --help' });
    expect(e.exitCode).toBe(2);
    expect(fromCommanderError(new CommanderError(1, 'commander.help', '(outputHelp)'), 'vm').message).toBe('banger vm needs a command');
    expect(fromCommanderError(new CommanderError(1, 'commander.unknownCommand', "error: unknown command 'x'"), '').hint).toBe('see banger --help');
  });
});

describe('capturing a guest command under --json', () => {
  it('decodes UTF-8 split across chunks and is not a terminal', async () => {
    const c = createCapture();
    const bytes = Buffer.from('héllo ✓\n');
    await new Promise<void>((r) => c.stream.write(bytes.subarray(0, 2), () => r()));
    await new Promise<void>((r) => c.stream.write(bytes.subarray(2), () => r()));
    expect(c.stream.isTTY).toBe(false);
    expect(c.text()).toBe('héllo ✓\n');
  });

  it('-t with --json is a usage error naming both fixes; -t alone or --json alone is fine', () => {
    expect(() => refuseTtyWithJson(true, true, 'banger vm exec dev -- top')).toThrow(expect.objectContaining({ code: 'usage.json_unsupported', kind: 'usage' }));
    expect(() => refuseTtyWithJson(false, true, 'x')).not.toThrow();
    expect(() => refuseTtyWithJson(true, undefined, 'x')).not.toThrow();
    expect(() => refuseTtyWithJson(true, false, 'x')).not.toThrow();
  });
});
