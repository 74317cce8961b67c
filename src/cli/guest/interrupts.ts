import { EventEmitter } from 'node:events';
import { signalNumber } from './exec-options.js';

/** The signals that end `vm run` (and are forwarded to its guest command). */
export const INTERRUPTS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Where signals come from (`process`; an EventEmitter in tests). */
export interface SignalSource {
  on(sig: NodeJS.Signals, fn: () => void): unknown;
  off(sig: NodeJS.Signals, fn: () => void): unknown;
}

/** A stream whose failure means the terminal (or the pipe reading us) is gone. */
export interface WatchedStream {
  on(event: 'error', fn: (err: NodeJS.ErrnoException) => void): unknown;
  off(event: 'error', fn: (err: NodeJS.ErrnoException) => void): unknown;
}

export interface InterruptOptions {
  signals: SignalSource;
  /** stdout and stderr: EPIPE (reader gone) or EIO (terminal closed) is a hang-up. */
  outputs?: readonly WatchedStream[];
  /** stdin: EIO when the controlling terminal closes under a read. */
  input?: WatchedStream;
}

/**
 * What `vm run` does with an interrupt, as a small state machine the command
 * drives: `running` → (first interrupt) `interrupted` → `cleaning` (the
 * command entered its delete) → a further interrupt calls `onGiveUp`, which
 * exits at once and leaves the delete to bangerd (see
 * src/daemon/methods/owned-vm.ts: the VM was created with deleteOnDisconnect).
 *
 * A lost terminal (EPIPE on stdout/stderr, EIO on stdin) counts as SIGHUP:
 * the shell would have sent one, and nobody is left to read what we print.
 *
 * `relay` re-emits every interrupt (including a synthesized SIGHUP) for the
 * guest command's runner, which forwards it into the guest; it is the
 * `signals` source runGuestCommand listens to, so the command sees the same
 * interrupts the CLI does, including the lost terminal.
 */
export class Interrupts {
  private readonly controller = new AbortController();
  private first: NodeJS.Signals | undefined;
  private cleaning = false;
  private gaveUp = false;
  private giveUp: ((sig: NodeJS.Signals) => void) | undefined;
  private readonly relayEmitter = new EventEmitter();
  private readonly detach: (() => void)[] = [];
  /** Set when a stream failed: writing to it again would only fail again. */
  terminalGone = false;

  constructor(opts: InterruptOptions) {
    for (const sig of INTERRUPTS) {
      const fn = (): void => this.receive(sig);
      opts.signals.on(sig, fn);
      this.detach.push(() => opts.signals.off(sig, fn));
    }
    const onStreamError = (err: NodeJS.ErrnoException): void => {
      if (err.code !== 'EPIPE' && err.code !== 'EIO' && err.code !== 'ERR_STREAM_DESTROYED') return;
      // One synthesized hang-up per lost terminal: several streams fail together.
      if (this.terminalGone) return;
      this.terminalGone = true;
      this.receive('SIGHUP');
    };
    for (const s of [...(opts.outputs ?? []), ...(opts.input ? [opts.input] : [])]) {
      s.on('error', onStreamError);
      this.detach.push(() => s.off('error', onStreamError));
    }
  }

  /** Aborted at the first interrupt: create/start/SSH waits and the repo copy stop there. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The first interrupt received, if any. */
  get received(): NodeJS.Signals | undefined {
    return this.first;
  }

  /** 128+N for the first interrupt (130, 143, 129), as a shell reports a process it ended; undefined when none came. */
  get exitCode(): number | undefined {
    return this.first === undefined ? undefined : 128 + signalNumber(this.first);
  }

  /** For the guest command's runner: every interrupt, re-emitted by name. */
  get relay(): SignalSource {
    return {
      on: (sig, fn) => this.relayEmitter.on(sig, fn),
      off: (sig, fn) => this.relayEmitter.off(sig, fn),
    };
  }

  /**
   * The command is deleting its VM from here on. An interrupt after this
   * (a second Ctrl-C, a CI runner's SIGTERM after its SIGINT) calls `onGiveUp`
   * once; one that arrived before and was not answered yet does not count.
   */
  enterCleanup(onGiveUp: (sig: NodeJS.Signals) => void): void {
    this.cleaning = true;
    this.giveUp = onGiveUp;
  }

  dispose(): void {
    for (const d of this.detach.splice(0)) d();
    this.relayEmitter.removeAllListeners();
  }

  private receive(sig: NodeJS.Signals): void {
    this.first ??= sig;
    this.controller.abort();
    if (this.cleaning) {
      if (!this.gaveUp && this.giveUp) {
        this.gaveUp = true;
        this.giveUp(sig);
      }
      return;
    }
    this.relayEmitter.emit(sig);
  }
}
