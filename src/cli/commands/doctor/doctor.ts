import { createHostDoctorPorts, doctorPassed, formatDoctor, runDoctor } from '../../../doctor/index.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = 'Check the host and report what to fix';

/**
 * `banger doctor [--json]`. Reads the host, the config and the database
 * read-only; never starts or calls bangerd. Exit 1 when any check fails.
 * Under --json the envelope is `ok: true` either way (doctor ran): the verdict
 * is `data.passed`, named apart from the envelope's `ok` on purpose.
 */
export async function run({ cli }: CommandInput): Promise<CommandOutput> {
  const checks = await runDoctor(createHostDoctorPorts({ layout: cli.layout, env: cli.env }));
  const passed = doctorPassed(checks);
  return { data: { passed, checks }, human: formatDoctor(checks), exitCode: passed ? 0 : 1 };
}
