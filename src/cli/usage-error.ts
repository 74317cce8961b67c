import type { CommanderError } from 'commander';
import { UsageError } from '../errors/index.js';

/**
 * Commander's parse errors as banger usage errors, each with its own code, so
 * a script can tell a typo in a command from a missing argument. The list is
 * documented in docs/cli/json.md; an error commander adds later falls back to
 * `usage.invalid`.
 */
const CODES: Readonly<Record<string, string>> = {
  'commander.unknownCommand': 'usage.unknown_command',
  'commander.unknownOption': 'usage.unknown_option',
  'commander.missingArgument': 'usage.missing_argument',
  'commander.excessArguments': 'usage.too_many_arguments',
  'commander.invalidArgument': 'usage.invalid_value',
  'commander.optionMissingArgument': 'usage.missing_option_value',
  'commander.missingMandatoryOptionValue': 'usage.missing_required_option',
  'commander.conflictingOption': 'usage.conflicting_options',
  // A group given without a command (`banger vm`): commander printed the group's help.
  'commander.help': 'usage.missing_command',
};

export function usageCode(commanderCode: string): string {
  return CODES[commanderCode] ?? 'usage.invalid';
}

/** `command` is the path of the command commander was parsing (`vm create`), '' for the top level. */
export function fromCommanderError(err: CommanderError, command: string): UsageError {
  const message = err.code === 'commander.help' ? `${command === '' ? 'banger' : `banger ${command}`} needs a command` : err.message.replace(/^error: /, '').trim();
  return new UsageError(message, { code: usageCode(err.code), hint: `see banger ${command === '' ? '' : `${command} `}--help` });
}
