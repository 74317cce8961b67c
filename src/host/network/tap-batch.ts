/**
 * Group commit for tap work. Each `ip` is a process spawn, and a spawn is
 * the dominant cost of a tap (the supervisor bench spent ~2 s of its 200-VM
 * start in fork/exec). Requests that arrive while nothing is running go out
 * on the next tick; requests that arrive while a batch runs wait for it and
 * go out together. A batch is `ip -force -batch -`: 2 spawns for any
 * number of new taps (add, then attach), 2 for any number of deletes (pick
 * a free link group, then move the taps into it and delete the group).
 *
 * Any line `ip` reports as failed falls back to the single-tap path for that
 * tap, which tells "already exists" from a real error exactly as before; so a
 * batch never changes what a caller sees, only how many processes it costs.
 */
import { HostError } from '../../errors/index.js';
import { runChecked, type CommandRunner } from '../exec/index.js';
import { listLinks } from './links.js';
import { assertOwnTap, createTap, deleteTap, tapAddArgs, tapAttachArgs, type TapSpec } from './tap.js';

type Op =
  | { kind: 'create'; spec: TapSpec; resolve: (r: { created: boolean }) => void; reject: (e: unknown) => void }
  | { kind: 'delete'; name: string; expect: TapOwner; resolve: (r: { deleted: boolean }) => void; reject: (e: unknown) => void };

/** Who a tap must belong to before it is deleted (tap.ts assertOwnTap). */
export interface TapOwner {
  tag: string;
  ownerUid?: number;
  /** How `ip` names that uid, when it has a name. */
  ownerName?: string;
}

export interface TapBatcher {
  create(spec: TapSpec): Promise<{ created: boolean }>;
  /** Deletes the tap only if it carries `expect.tag` (and belongs to `expect.ownerUid`); refuses anyone else's. */
  delete(name: string, expect: TapOwner): Promise<{ deleted: boolean }>;
}

export interface TapBatcherOptions {
  /** Most taps per `ip -batch` (bounds one command's stdin and runtime). @default 128 */
  maxBatch?: number;
}

/** 1-based input line numbers `ip -force -batch` reported as failed ("Command failed -:N"). */
export function failedBatchLines(stderr: string): Set<number> {
  const out = new Set<number>();
  for (const m of stderr.matchAll(/^Command failed -:(\d+)\s*$/gm)) out.add(Number(m[1]));
  return out;
}

/**
 * Runs `lines` as one batch; returns the indexes (0-based) that failed. A
 * failure `ip` did not attribute to a line marks every line failed, so the
 * caller retries each on its own rather than trusting an unexplained exit code.
 */
async function runBatch(runner: CommandRunner, lines: readonly string[]): Promise<Set<number>> {
  const res = await runner.run('ip', ['-force', '-batch', '-'], { input: `${lines.join('\n')}\n` });
  if (res.exitCode === 0) return new Set();
  const failed = new Set([...failedBatchLines(res.stderr)].map((n) => n - 1));
  return failed.size > 0 ? failed : new Set(lines.map((_, i) => i));
}

/** A batch is text that `ip` tokenises itself: only plain interface names (IFNAMSIZ) may reach one. */
const PLAIN_IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
function checkName(name: string): void {
  if (!PLAIN_IFNAME.test(name)) {
    throw new HostError(`"${name.slice(0, 40)}" is not a plain interface name`, { code: 'host.bad_ifname', hint: 'use 1-15 letters, digits, "_", "." or "-"' });
  }
}

/** The alias goes into a batch line too: one plain token. */
const PLAIN_ALIAS = /^[A-Za-z0-9_.:-]{1,64}$/;
function checkAlias(alias: string): void {
  if (!PLAIN_ALIAS.test(alias)) throw new HostError(`"${alias.slice(0, 40)}" is not a plain link alias`, { code: 'host.bad_alias', hint: 'use an instance tag such as banger:0123456789ab' });
}

/** Link groups banger uses for one delete batch each; nothing else on a host uses this range in practice, and each pick is checked. */
const GROUP_BASE = 0x62a00000;
const GROUP_SPAN = 0x100000;

/** A link group with no members right now, or null (then the batch deletes one by one). */
async function freeGroup(runner: CommandRunner): Promise<number | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const group = GROUP_BASE + Math.floor(Math.random() * GROUP_SPAN);
    const res = await runner.run('ip', ['-j', 'link', 'show', 'group', String(group)]);
    if (res.exitCode !== 0) return null;
    try {
      // An empty group prints [{}]: count entries that name a link.
      const links = JSON.parse(res.stdout || '[]') as Array<{ ifname?: string }>;
      if (!links.some((l) => l.ifname !== undefined)) return group;
    } catch {
      return null;
    }
  }
  return null;
}

export function createTapBatcher(runner: CommandRunner, opts: TapBatcherOptions = {}): TapBatcher {
  const maxBatch = opts.maxBatch ?? 128;
  const queue: Op[] = [];
  let running = false;

  const schedule = () => {
    if (running || queue.length === 0) return;
    running = true;
    setImmediate(() => {
      void drain().finally(() => {
        running = false;
        schedule();
      });
    });
  };

  async function drain(): Promise<void> {
    // Consecutive ops of one kind form a batch, in arrival order, so a delete queued after a create of the same name runs after it.
    const first = queue[0];
    if (!first) return;
    let n = 1;
    while (n < queue.length && n < maxBatch && queue[n]!.kind === first.kind) n++;
    const ops = queue.splice(0, n);
    try {
      if (first.kind === 'create') await createBatch(ops as Extract<Op, { kind: 'create' }>[]);
      else await deleteBatch(ops as Extract<Op, { kind: 'delete' }>[]);
    } catch (err) {
      // The batch itself could not run (no `ip`, timeout): each op says so.
      for (const op of ops) op.reject(err);
    }
  }

  async function createBatch(ops: Extract<Op, { kind: 'create' }>[]): Promise<void> {
    const addFailed = await runBatch(
      runner,
      ops.map((op) => ['tuntap', ...tapAddArgs(op.spec)].join(' ')),
    );
    const added = ops.filter((_, i) => !addFailed.has(i));
    // Only taps this batch created are attached in bulk; a name that already existed goes the careful single path (is it really a tap?).
    const attachFailed = added.length
      ? await runBatch(
          runner,
          added.map((op) => tapAttachArgs(op.spec).join(' ')),
        )
      : new Set<number>();
    await Promise.all([
      ...added.map(async (op, i) => {
        if (!attachFailed.has(i)) return op.resolve({ created: true });
        // Re-run the attach alone to get its real error.
        await runChecked(runner, 'ip', tapAttachArgs(op.spec)).then(
          () => op.resolve({ created: true }),
          op.reject,
        );
      }),
      ...ops.filter((_, i) => addFailed.has(i)).map((op) => createTap(runner, op.spec).then(op.resolve, op.reject)),
    ]);
  }

  async function deleteBatch(all: Extract<Op, { kind: 'delete' }>[]): Promise<void> {
    // One listing (one spawn) tells which taps exist and whose they are: only this instance's go into the group.
    const links = new Map((await listLinks(runner, [''])).map((l) => [l.name, l]));
    const ops: typeof all = [];
    for (const op of all) {
      const link = links.get(op.name);
      if (!link) {
        op.resolve({ deleted: false });
        continue;
      }
      try {
        // A delete (only ever of a tap the caller recorded) may also take an untagged tap of its owner, made before tags.
        assertOwnTap(link, { ...op.expect, untaggedOk: true });
        ops.push(op);
      } catch (err) {
        op.reject(err);
      }
    }
    if (ops.length === 0) return;
    // One `ip link del` per tap waits out an RCU grace period each (~20 ms: 128 taps took 2.7 s in one batch).
    // Deleting a link group unregisters them all at once (60 ms for 128), so the taps get a fresh group first.
    const group = await freeGroup(runner);
    const failed =
      group === null
        ? new Set(ops.map((_, i) => i))
        : await runBatch(runner, [...ops.map((op) => `link set dev ${op.name} group ${group}`), `link del group ${group}`]);
    const groupFailed = failed.has(ops.length);
    await Promise.all(
      ops.map((op, i) => (groupFailed || failed.has(i) ? deleteTap(runner, op.name, op.expect).then(op.resolve, op.reject) : op.resolve({ deleted: true }))),
    );
  }

  return {
    create(spec) {
      return new Promise((resolve, reject) => {
        checkName(spec.name);
        checkName(spec.bridge);
        checkAlias(spec.tag);
        queue.push({ kind: 'create', spec, resolve, reject });
        schedule();
      });
    },
    delete(name, expect) {
      return new Promise((resolve, reject) => {
        checkName(name);
        queue.push({ kind: 'delete', name, expect, resolve, reject });
        schedule();
      });
    },
  };
}
