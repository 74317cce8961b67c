import type { Command } from 'commander';
import type { RegisterIo } from '../types.js';
import { registerSystemCommands } from './register.js';

/** Adapter for the CLI registry: `banger system ...` with the CLI's env and stdout. */
export function registerGroup(program: Command, io: RegisterIo): void {
  registerSystemCommands(program, { env: io.env, write: io.write, json: io.json });
}
