/**
 * The completion scripts loaded into the real shells, completing against the
 * built CLI (a `banger` on PATH in a temp dir, for this test only) and a real
 * bangerd with stand-in VMs: subcommands, flags, and VM names asked from the
 * running daemon. bash: the registered function called with COMP_WORDS set;
 * fish: `complete -C`; zsh: an interactive zsh in a zpty, TAB typed, matches
 * captured from compadd.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresNetns } from '../../helpers/host-caps.js';
import { NetnsDaemon } from '../../helpers/netns-daemon.js';
import { jsonData } from '../../helpers/cli-json.js';
import { CLI_MAIN } from '../../helpers/rig.js';
import { createTempRoot, type TempRoot } from '../../helpers/temp-root.js';

const missing = requiresNetns();
const has = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0']).status === 0;

describe.skipIf(missing !== null)('shell completion against bangerd (stand-in VMM)', () => {
  let d: NetnsDaemon;
  let bin: string;
  let env: NodeJS.ProcessEnv;
  /** A second layout where no daemon runs: TAB must offer no names and start nothing. */
  let idle: TempRoot;

  beforeAll(async () => {
    if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing; run npm run build first`);
    d = new NetnsDaemon({ netnsTag: 'compl' });
    await d.start();
    for (const name of ['web1', 'web2', 'db']) {
      const r = await d.cli(['vm', 'create', '--no-start', '--name', name]);
      expect(r.code, r.stderr).toBe(0);
    }
    bin = join(d.temp.root, 'bin');
    mkdirSync(bin);
    // `banger` resolves to this checkout's build through PATH, inside this test only.
    writeFileSync(join(bin, 'banger'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_MAIN}" "$@"\n`);
    chmodSync(join(bin, 'banger'), 0o755);
    env = { ...(d.temp.env as NodeJS.ProcessEnv), PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: d.temp.root };
    for (const shell of ['bash', 'zsh', 'fish']) {
      const script = execFileSync(join(bin, 'banger'), ['completion', shell], { env, encoding: 'utf8' });
      writeFileSync(join(d.temp.root, shell === 'zsh' ? '_banger' : `banger.${shell}`), script);
    }
    writeFileSync(join(d.temp.root, 'files-here.txt'), '');
    idle = createTempRoot('bgc-');
  }, 90_000);

  afterAll(async () => {
    idle?.remove();
    await d?.cleanup();
  }, 60_000);

  it('banger version names the running daemon (asked, not started) and, with none, says so', () => {
    const running = jsonData(execFileSync(join(bin, 'banger'), ['version', '--json'], { env, encoding: 'utf8' })) as { daemon: { running: boolean; pid?: number; protocol?: string } };
    expect(running.daemon).toMatchObject({ running: true, protocol: '1', pid: d.pid });
    const none = execFileSync(join(bin, 'banger'), ['version'], { env: { ...(idle.env as NodeJS.ProcessEnv), PATH: env.PATH }, encoding: 'utf8' });
    expect(none).toMatch(/^bangerd: +not running$/m);
    expect(existsSync(idle.layout.daemonSocket)).toBe(false);
  });

  describe.skipIf(!has('bash'))('bash', () => {
    /** Each line's COMPREPLY, `|`-joined: the function `complete -p banger` names, called as readline would. */
    function bash(lines: string[], e: NodeJS.ProcessEnv = env): string[] {
      const script = [
        `source ${join(d.temp.root, 'banger.bash')}`,
        'fn=$(complete -p banger | sed -E "s/.*-F ([^ ]+) .*/\\1/")',
        // Words as bash splits them; a trailing space means the cursor is on a new, empty word.
        't() { read -ra COMP_WORDS <<<"$1"; [[ $1 == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE=$1; COMP_POINT=${#1}; COMPREPLY=(); "$fn" banger; local IFS="|"; echo "${COMPREPLY[*]}"; }',
        ...lines.map((l) => `t ${JSON.stringify(l)}`),
      ].join('\n');
      return execFileSync('bash', ['--norc', '--noprofile', '-c', script], { env: e, encoding: 'utf8', cwd: d.temp.root }).split('\n').slice(0, -1);
    }

    it('completes subcommands, subgroups and flags', () => {
      expect(bash(['banger v', 'banger vm sn', 'banger vm snapshot l', 'banger vm stop --f', 'banger system ins'])).toEqual(['vm|version', 'snapshot', 'list', '--force', 'install']);
    });

    it('completes VM names from the running daemon', () => {
      expect(bash(['banger vm start ', 'banger vm ssh w', 'banger vm stop web1 d'])).toEqual(['web1|web2|db', 'web1|web2', 'db']);
    });

    it('falls back to file names for a path argument, also after a NAME:PATH one', () => {
      expect(bash(['banger image import files-'])).toEqual(['files-here.txt']);
      // Readline hands `dev:/root/x` over as three words (':' is in COMP_WORDBREAKS).
      expect(bash(['banger vm cp web1 : /root/x files-'])).toEqual(['files-here.txt']);
    });

    it('no daemon running: subcommands still, no names, and TAB starts no bangerd', () => {
      const t0 = Date.now();
      const idleEnv = { ...(idle.env as NodeJS.ProcessEnv), PATH: env.PATH };
      expect(bash(['banger vm start ', 'banger vm st'], idleEnv)).toEqual(['', 'start|stop|stats']);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(existsSync(idle.layout.daemonSocket)).toBe(false);
      expect(existsSync(idle.layout.daemonLock)).toBe(false);
    });
  });

  describe.skipIf(!has('fish'))('fish', () => {
    function fish(line: string): string[] {
      const out = execFileSync('fish', ['--no-config', '-c', `source ${join(d.temp.root, 'banger.fish')}; complete -C ${JSON.stringify(line)}`], { env, encoding: 'utf8', cwd: d.temp.root });
      return out.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!).sort();
    }

    it('completes subcommands, flags and VM names', () => {
      expect(fish('banger v')).toEqual(['version', 'vm']);
      expect(fish('banger vm sn')).toEqual(['snapshot']);
      expect(fish('banger vm stop --f')).toEqual(['--force']);
      expect(fish('banger vm start ')).toEqual(['db', 'web1', 'web2']);
      expect(fish('banger image import files-')).toEqual(['files-here.txt']);
    });
  });

  describe.skipIf(!has('zsh') || spawnSync('zsh', ['-fc', 'zmodload zsh/zpty']).status !== 0)('zsh', () => {
    /**
     * An interactive zsh in a pseudo-terminal (zpty) with compinit and the
     * script on $fpath, as a user would have it; TAB is typed after `line`.
     * compadd is wrapped to print what it adds (HIT:word), the real one still runs.
     */
    const DRIVER = `
zmodload zsh/zpty
dir=$1; line=$2
zpty z zsh -f -i
out=''
await() {
  integer n=0
  while (( n++ < 400 )); do
    if zpty -rt z chunk; then out+=$chunk; [[ $out == *$1* ]] && return 0; else sleep 0.05; fi
  done
  return 1
}
zpty -w z "PS1='%% '; cd $dir; fpath=($dir \\$fpath); autoload -Uz compinit; compinit -u -d $dir/zcompdump"
zpty -w z 'compadd() { if [[ " $* " != *" -"[OAD]" "* ]]; then local -a __got; builtin compadd -O __got "$@"; (( \${#__got} )) && print -rl -- "HIT:"\${^__got}; fi; builtin compadd "$@"; }'
zpty -w z 'print RE""ADY'
await READY || exit 3
out=''
zpty -w -n z "$line"$'\\t'
zpty -w -n z $'\\x15print DO""NE\\n'
await DONE || exit 4
zpty -d z
print -r -- "$out"
`;
    function zsh(line: string): { hits: string[]; screen: string } {
      const driver = join(d.temp.root, 'drive.zsh');
      writeFileSync(driver, DRIVER);
      const screen = execFileSync('zsh', ['-f', driver, d.temp.root, line], { env, encoding: 'utf8', timeout: 30_000 });
      const hits = [...new Set([...screen.matchAll(/HIT:([^\s\r]+)/g)].map((m) => m[1]!))].sort();
      return { hits, screen };
    }

    it('completes subcommands, flags and VM names', () => {
      expect(zsh('banger v').hits).toEqual(['version', 'vm']);
      const sn = zsh('banger vm sn');
      expect(sn.hits).toEqual(['snapshot']);
      // The one match is inserted into the line.
      expect(sn.screen).toContain('apshot');
      expect(zsh('banger vm stop --f').hits).toEqual(['--force']);
      expect(zsh('banger vm start ').hits).toEqual(['db', 'web1', 'web2']);
      expect(zsh('banger image import files-').screen).toContain('here.txt');
    }, 60_000);
  });
});
