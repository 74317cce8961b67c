import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { Layout } from '../host/layout.js';
import type { ImagesService } from '../images/index.js';
import type { Image, VMRecord } from '../model/index.js';
import type { Store } from '../store/index.js';
import type { EventHub, VmSystem } from './system/index.js';

/** Read side of VMs. The store-backed version is replaced by the supervisor's later. */
export interface VmQueries {
  list(): VMRecord[];
  /** By name, id, or unambiguous id prefix. @throws NotFoundError naming `banger vm list`. */
  get(ref: string): VMRecord;
  count(): number;
}

export interface ImageQueries {
  list(): Image[];
  /** By name or id. @throws NotFoundError naming `banger image list`. */
  get(ref: string): Image;
}

/**
 * Services the method handlers use. Later issues add fields here (a VM
 * supervisor behind vm.create/start/stop, an images service, an event bus);
 * the composition root in `daemon.ts` builds them.
 */
export interface DaemonServices {
  vms: VmQueries;
  images: ImageQueries;
  /** The actor system (vm.create/start/stop...). Absent in unit tests of the dispatcher. */
  vmSystem?: VmSystem;
  /** Subscriptions for events.subscribe. */
  events?: EventHub;
  /**
   * Image build/import/delete (src/images createImagesService). Optional until
   * the composition root builds it; the image.build/import/delete handlers
   * answer "not available" without it. It also satisfies ImageQueries.
   */
  imageAdmin?: ImagesService;
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
