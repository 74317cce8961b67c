import { homedir } from 'node:os';
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../config/index.js';
import { BusyError, HostError } from '../errors/index.js';
import { MAX_SOCKET_PATH, resolveLayout, type Env, type Layout } from '../host/layout.js';
import { RpcClient } from '../rpc/index.js';
import { RpcSocketServer, packageVersion } from '../wire/index.js';
import { openStore } from '../store/index.js';
import type { Clock, DaemonContext, DaemonServices } from './context.js';
import { acquireLock, isDaemonProcess, type DaemonLock, type LockProbe } from './lock.js';
import { createFileLogger } from './logger.js';
import { METHOD_TABLES, type MethodTable } from './methods/index.js';
import { createDispatcher, lineHandler } from './server.js';
import { createImagesService, upgradeImageVmlinuxes } from '../images/index.js';
import { createVmSystem, EventHub, type VmSystemOptions } from './wiring/index.js';
import { createVmStorePort } from './wiring/store-port.js';
import { createSnapshotService } from '../snapshots/service.js';
import { createForwardService } from '../forward/index.js';
import { fileSyncSalt } from '../snapshots/warm.js';

export interface StartDaemonOptions {
  env?: Env;
  layout?: Layout;
  config?: Config;
  logger?: Logger;
  clock?: Clock;
  tables?: readonly MethodTable[];
  lockProbe?: LockProbe;
  /** Replaces the src/vmm registry's runtime for these kinds (see VmSystemOptions.runtimes). */
  runtimes?: VmSystemOptions['runtimes'];
  /** Stand-in behaviour per VM name (in-process tests); default from config `[standin]`. */
  standinBehaviour?: VmSystemOptions['standinBehaviour'];
  privileged?: VmSystemOptions['privileged'];
}

export interface RunningDaemon {
  readonly ctx: DaemonContext;
  readonly server: RpcSocketServer;
  /** Stops accepting, closes connections, closes the db, removes socket and lock. Idempotent. */
  stop(reason: string): Promise<void>;
  /** Resolves once the daemon has fully stopped (by `stop` or `daemon.shutdown`). */
  readonly stopped: Promise<void>;
}

/**
 * Composition root and lifecycle of bangerd. Order matters: dirs, then the
 * lock (so two daemons never both clear the socket), then the stale socket,
 * then store, then listen. Any failure undoes what was done so far.
 */
export async function startDaemon(opts: StartDaemonOptions = {}): Promise<RunningDaemon> {
  const layout = opts.layout ?? resolveLayout(opts.env ?? process.env);
  if (Buffer.byteLength(layout.daemonSocket) > MAX_SOCKET_PATH) {
    throw new HostError(`socket path ${layout.daemonSocket} is longer than ${MAX_SOCKET_PATH} bytes`, {
      code: 'daemon.socket_path',
      hint: 'set XDG_RUNTIME_DIR to a shorter directory',
    });
  }
  const config = opts.config ?? loadConfig(layout.configFile);
  ensurePrivateDir(layout.runtimeDir);
  ensurePrivateDir(layout.stateDir);
  const logger = opts.logger ?? createFileLogger(layout.daemonLog, config.log_level);
  const clock = opts.clock ?? Date.now;

  const undo: (() => void)[] = [];
  const rollback = () => {
    for (const fn of undo.reverse()) {
      try {
        fn();
      } catch {
        // best effort: keep undoing the rest
      }
    }
  };
  try {
    const lock: DaemonLock = await acquireLock(
      layout.daemonLock,
      opts.lockProbe ?? { isDaemonAlive: isDaemonProcess, socketAnswers: () => socketAnswers(layout.daemonSocket) },
    );
    undo.push(() => lock.release());
    // We hold the lock, so an existing socket is normally a leftover of a dead
    // daemon; check it does not answer before removing it, in case we raced one.
    if (existsSync(layout.daemonSocket) && (await socketAnswers(layout.daemonSocket))) {
      throw new BusyError('bangerd is already running', { code: 'daemon.running', hint: 'use it, or stop it first: banger daemon stop' });
    }
    removeIfExists(layout.daemonSocket);

    const store = openStore(layout.dbPath);
    undo.push(() => store.close());

    let stopFn: (reason: string) => Promise<void> = async () => undefined;
    const events = new EventHub();
    const images = createImagesService({
      layout,
      store,
      defaultImage: config.default_image,
      onProgress: (e) => events.publish('image.progress', e),
    });
    const forwards = createForwardService({ store, logger, clock });
    const vmSystem = createVmSystem({
        onTransition: (t) => forwards.onTransition(t),
        onReady: () => void forwards.restore().catch((err: unknown) => logger.error({ err }, 'restoring port forwards failed')),
        ensureDefaultImage: () => images.ensureDefaultImage(),
        layout,
        config,
        store,
        logger,
        env: opts.env ?? process.env,
        events,
        clock,
        ...(opts.runtimes ? { runtimes: opts.runtimes } : {}),
        ...(opts.standinBehaviour ? { standinBehaviour: opts.standinBehaviour } : {}),
        ...(opts.privileged ? { privileged: opts.privileged } : {}),
      });
    const services: DaemonServices = {
      vms: { list: () => store.vms.list(), get: (ref) => store.vms.resolve(ref), count: () => store.vms.count() },
      images,
      events,
      vmSystem,
      forwards,
      snapshots: createSnapshotService({
        store,
        vmStore: createVmStorePort(store, logger, clock),
        vms: () => vmSystem.service(),
        snapshotsDir: layout.snapshotsDir,
        // A warm snapshot's work disk holds the [[file_sync]] files as they were: a change means a new one.
        // Its saved state fits one QEMU machine's device model: a changed qemu_machine means a new one too.
        warmSalt: async () => `${await fileSyncSalt(config.file_sync, homedir())}\0qemu_machine=${config.qemu_machine}`,
        logger,
      }),
    };
    const ctx: DaemonContext = {
      layout,
      config,
      store,
      logger,
      clock,
      services,
      pid: process.pid,
      version: packageVersion(),
      startedAt: new Date(clock()).toISOString(),
      // Deferred so the reply to daemon.shutdown is written before connections close.
      requestShutdown: (reason) => void setTimeout(() => void stopFn(reason), 10),
    };

    const dispatcher = createDispatcher(ctx, opts.tables ?? METHOD_TABLES);
    const server = new RpcSocketServer({
      path: layout.daemonSocket,
      handle: lineHandler(dispatcher),
      onConnectionError: (conn, reason) => logger.warn({ conn: conn.id, reason }, 'closed client connection'),
    });
    await server.listen();
    undo.push(() => removeIfExists(layout.daemonSocket));
    if (!lock.reassert()) {
      // Lost a stale-lock takeover race: the other daemon owns the lock, so it keeps the socket.
      undo.pop();
      await server.close();
      throw new BusyError('another bangerd took the lock while this one was starting', {
        code: 'daemon.lock_lost',
        hint: 'nothing to do: the other daemon is serving',
      });
    }

    let resolveStopped!: () => void;
    const stopped = new Promise<void>((r) => (resolveStopped = r));
    let stopping: Promise<void> | undefined;
    // Images from before banger kept a vmlinux get one, in the background: the socket answers meanwhile.
    const upgradeStop = new AbortController();
    const upgrade = upgradeImageVmlinuxes({ images: store.images, imagesDir: layout.imagesDir, log: logger, signal: upgradeStop.signal }).catch(
      (err: unknown) => logger.error({ err }, 'image vmlinux upgrade failed'),
    );
    stopFn = (reason) => {
      stopping ??= (async () => {
        logger.info({ reason }, 'bangerd stopping');
        upgradeStop.abort();
        await upgrade;
        await server.close();
        // Listeners close with bangerd; rows stay, and the next start binds them again for running VMs.
        await forwards.closeAll();
        // Running VMs keep running: the next daemon's reconcile re-adopts them.
        await services.vmSystem.shutdown().catch((err: unknown) => logger.error({ err }, 'VM system shutdown failed'));
        store.close();
        removeIfExists(layout.daemonSocket);
        lock.release();
        logger.info('bangerd stopped');
        logger.flush();
        resolveStopped();
      })();
      return stopping;
    };
    logger.info({ socket: layout.daemonSocket, version: ctx.version, db: store.path, schema: store.schemaVersion() }, 'bangerd ready');
    // Rows to reconcile (VMs left running, or mid-start when a daemon died): start the actors now.
    // Without VMs the system starts on first use, so an idle daemon touches no network state.
    if (store.vms.count() > 0) {
      void services.vmSystem.service().catch((err: unknown) => logger.error({ err }, 'VM system failed to start; vm commands will retry'));
    }
    return { ctx, server, stop: stopFn, stopped };
  } catch (err) {
    rollback();
    throw err;
  }
}

/** Creates `dir` as 0700, and tightens it if it already existed looser. */
function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

function removeIfExists(path: string): void {
  if (!existsSync(path)) return;
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** True when a daemon answers `daemon.hello` on the socket within a short wait. */
export async function socketAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  let client: RpcClient | undefined;
  try {
    client = await RpcClient.connect(socketPath, { timeoutMs });
    await client.call('daemon.hello', { clientVersion: packageVersion() }, { timeoutMs });
    return true;
  } catch {
    return false;
  } finally {
    client?.close();
  }
}
