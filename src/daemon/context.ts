import type { ForwardService } from '../forward/index.js';
import type { SnapshotService } from '../snapshots/service.js';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Layout } from '../host/layout.js';
import type { ImagesService } from '../images/index.js';
import type { VMRecord } from '../model/index.js';
import type { Store } from '../store/index.js';
import type { EventHub, VmSystem } from './wiring/index.js';

/** VM reads, straight from SQLite (rows are the durable truth); lifecycle goes through vmSystem. */
export interface VmQueries {
  list(): VMRecord[];
  /** By name, id, or unambiguous id prefix (the store's resolve). */
  get(ref: string): VMRecord;
  count(): number;
}

/** Services the method handlers use, built by the composition root in `daemon.ts`. */
export interface DaemonServices {
  vms: VmQueries;
  /** Image reads (by name or id: the store's resolve) and build/import/delete. */
  images: ImagesService;
  /** The actor system (vm.create/start/stop...), started on first use. */
  vmSystem: VmSystem;
  /** Snapshots, restore, fork and warm starts (vm.create goes through it). */
  snapshots: SnapshotService;
  /** Subscriptions for events.subscribe. */
  events: EventHub;
  /** Port forwards: rows, and listeners that follow each VM's state. */
  forwards: ForwardService;
}

export type Clock = () => number;

/** Everything a method handler may touch. Built once per daemon. */
export interface DaemonContext {
  layout: Layout;
  config: Config;
  store: Store;
  logger: Logger;
  clock: Clock;
  services: DaemonServices;
  pid: number;
  version: string;
  startedAt: string;
  /** Asks the daemon to stop after the current reply is sent. */
  requestShutdown(reason: string): void;
}
