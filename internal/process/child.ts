/**
 * The parent's side of a running child: its worker, the error it reports,
 * and the moment it has ended. The process table holds the exit code (the
 * child writes it, or the parent when the child is stopped or dies without
 * writing it); the runtime's exit event tells when the worker is gone and,
 * in Node, when its piped output has been flushed.
 *
 * @module
 */

import { runtime, type WorkerHandle } from "../../runtime/mod.ts";
import {
  claimExit,
  EXITED,
  markDescendantsExited,
  markExited,
  quiesced,
  slotState,
} from "./table.ts";
import { type StartMethod, startWorker } from "./start.ts";
import { deserializeError } from "../errors.ts";
import type { ChildMessage, StartData } from "./protocol.ts";

// How long a stopped worker may take to be reported gone before the parent
// stops waiting for it.
const STOP_GRACE_MS = 2_000;
// How long a stopped child's critical section (a put or get it was inside
// when stopped) may take to finish before its end is published anyway.
const QUIESCE_MS = 1_000;

/** A started child, as its parent sees it. */
export class Child {
  /** Settles once the worker is gone. */
  readonly done: Promise<void>;
  #handle: WorkerHandle;
  #slot: number;
  #daemon: boolean;
  #error: Error | undefined;
  /** The code terminate() or kill() asked for, published when the thread is gone. */
  #stopCode: number | undefined;
  #forceDone!: () => void;
  #waiters = 0;

  constructor(data: StartData, method?: StartMethod) {
    const { name, daemon, slot } = data.self;
    this.#slot = slot;
    this.#daemon = daemon;
    const handle = this.#handle = startWorker(data, { name }, method);
    handle.onMessage((message) => {
      const msg = message as ChildMessage;
      if (msg?.type === "error") this.#error = deserializeError(msg.error);
    });
    handle.onError((error) => {
      // Reached only when the child could not report it itself (its
      // bootstrap failed to load): report it here, as the child would have.
      this.#error ??= error instanceof Error ? error : new Error(String(error));
      console.error(`Process ${name}:\n${this.#error.stack ?? this.#error.message}`);
      markExited(slot, 1);
    });
    // After the listeners: Node re-refs a worker's port when one is added.
    // A forkserver's warm worker starts unref'd, so a non-daemon refs it.
    if (daemon) handle.unref();
    else handle.ref();
    const forced = new Promise<void>((resolve) => (this.#forceDone = resolve));
    // Published only once the runtime reports the thread gone, so that no
    // one takes over a stopped child's locks while it still runs. A child
    // that died without recording its exit (a crash, running out of memory)
    // gets the runtime's code, or 1.
    // A stopped thread may still run where the runtime cannot stop a busy
    // one (Deno), or where it never reported the exit: it is fenced, and its
    // end is published only once it is out of any critical section it was
    // in. A thread the runtime reports gone elsewhere is gone.
    const natural = handle.exited.then(async (code) => {
      if (!runtime.stopsWorkers) await quiesced(slot, QUIESCE_MS);
      markExited(slot, this.#stopCode ?? code ?? 1);
    });
    this.done = Promise.race([natural, forced.then(() => quiesced(slot, QUIESCE_MS))]).then(() => {
      markExited(slot, this.#stopCode ?? 1);
      // Its own children ended with it (a daemon child it terminated as it
      // ended, or any child of a child that was stopped or crashed).
      markDescendantsExited(slot, this.#stopCode === -9 ? -9 : -15);
    });
  }

  /** The child's uncaught error, once it has reported one. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Stops the worker with `code` as its exit code, unless it has already ended. */
  stop(code: number): void {
    if (slotState(this.#slot) === EXITED || this.#stopCode !== undefined) return;
    this.#stopCode = code;
    // Fence it first: from here on it cannot complete a shared operation.
    claimExit(this.#slot, code);
    this.#handle.terminate();
    // A runtime that never reports the stopped worker's exit must not leave
    // join() waiting forever; the timer does not keep the program alive.
    const timer = setTimeout(this.#forceDone, STOP_GRACE_MS);
    (timer as { unref?: () => void }).unref?.();
    void this.done.then(() => clearTimeout(timer));
  }

  /**
   * Runs `wait` while keeping the program alive: a daemon's worker does not
   * keep it alive, and Node would end a top-level await on it unsettled.
   */
  async keepAliveWhile<T>(wait: () => Promise<T>): Promise<T> {
    if (this.#daemon && this.#waiters++ === 0) this.#handle.ref();
    try {
      return await wait();
    } finally {
      if (this.#daemon && --this.#waiters === 0) this.#handle.unref();
    }
  }
}
