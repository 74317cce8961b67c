/**
 * Version of the CLI's `--json` envelope (docs/cli/json.md and
 * docs/cli/banger-cli.schema.json). Bumped only for a change a script would
 * notice: a removed or renamed field, a changed type. Added fields do not bump it.
 */
export const CLI_JSON_API_VERSION = 'banger.cli/v1';
