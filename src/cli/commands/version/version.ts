import { RpcClient } from '../../../rpc/client.js';
import { PROTOCOL_VERSION } from '../../../rpc/protocol.js';
import { packageVersion } from '../../../wire/version.js';
import { CLI_JSON_API_VERSION } from '../../json-api.js';
import { renderFields } from '../../output.js';
import type { CommandInput, CommandOutput } from '../types.js';

export const describe = "Print the versions of banger, its JSON output and RPC protocol, and of bangerd when it runs";

export type DaemonVersion = { running: true; version: string; protocol: string; pid: number } | { running: false };

export interface VersionData {
  cli: string;
  jsonApi: string;
  protocol: string;
  node: string;
  daemon: DaemonVersion;
}

/**
 * Reports what a bug report needs. Never starts bangerd: a version query
 * that spawned a daemon (or restarted one of another version, as
 * ensureDaemon does) would change the very thing it reports.
 */
export async function run({ cli }: CommandInput): Promise<CommandOutput> {
  const daemon = await askDaemon(cli.layout.daemonSocket);
  const data: VersionData = { cli: packageVersion(), jsonApi: CLI_JSON_API_VERSION, protocol: PROTOCOL_VERSION, node: process.versions.node, daemon };
  const mismatch = daemon.running && (daemon.version !== data.cli || daemon.protocol !== data.protocol);
  const human = renderFields([
    ['banger', data.cli],
    ['json api', data.jsonApi],
    ['protocol', data.protocol],
    ['bangerd', daemon.running ? `${daemon.version} (protocol ${daemon.protocol}, pid ${daemon.pid})` : 'not running'],
    ['node', data.node],
  ]);
  return { data, human: mismatch ? `${human}\nnote: bangerd runs another version; the next command that needs it restarts it` : human };
}

async function askDaemon(socketPath: string): Promise<DaemonVersion> {
  let client: RpcClient | undefined;
  try {
    client = await RpcClient.connect(socketPath, { timeoutMs: 1000 });
    const hello = await client.call('daemon.hello', { clientVersion: packageVersion() }, { timeoutMs: 2000 });
    return { running: true, version: hello.version, protocol: hello.protocol, pid: hello.pid };
  } catch {
    return { running: false };
  } finally {
    client?.close();
  }
}
