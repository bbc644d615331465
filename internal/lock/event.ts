/**
 * `Event`: a flag word in a `SharedArrayBuffer` that waiters sleep on while
 * it is 0, Python's `multiprocessing.Event`.
 *
 * @module
 */

import { registerShareable, type SharedRef, shareSymbol } from "../shareable.ts";
import { type AsyncWaitOptions, signalOf, waitDeadline, type WaitOptions } from "./core.ts";
import { type Blocking, runAsync, runSync } from "../wait/driver.ts";
import { printAsString } from "../inspect.ts";
import { checkAlive, enterCritical, leaveShared } from "../process/table.ts";

let adoptEvent: (e: Event, buffer: SharedArrayBuffer) => void;

// Layout of an Event's buffer.
/** 1 when set; waiters sleep on it while 0. */
const FLAG = 0;

function* eventWait(view: Int32Array, deadline: number): Blocking<boolean> {
  while (Atomics.load(view, FLAG) === 0) {
    if (performance.now() >= deadline) return false;
    yield { view, index: FLAG, expected: 0, deadline };
  }
  return true;
}

/**
 * A flag shared by processes that others can wait for: Python's
 * `multiprocessing.Event`. (It shadows the DOM's `Event` in a module that
 * imports it; import it under another name if you need both.)
 *
 * @example Releasing every waiter at once
 * ```ts
 * import { Event } from "@tsmp/multiprocessing";
 *
 * const ready = new Event();
 * setTimeout(() => ready.set(), 10);
 * console.log(await ready.wait({ timeout: 1000 })); // true
 * ```
 */
export class Event {
  #view: Int32Array;

  static {
    adoptEvent = (e, buffer) => {
      e.#view = new Int32Array(buffer);
    };
  }

  /** Makes an event that is not set. */
  constructor() {
    this.#view = new Int32Array(new SharedArrayBuffer(4));
  }

  /**
   * Whether the flag is set.
   *
   * @returns true if set.
   */
  isSet(): boolean {
    checkAlive();
    return Atomics.load(this.#view, FLAG) === 1;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    // Store before notify: a waiter woken (or arming) then reads 1.
    enterCritical();
    Atomics.store(this.#view, FLAG, 1);
    leaveShared();
    Atomics.notify(this.#view, FLAG);
  }

  /** Clears the flag. */
  clear(): void {
    enterCritical();
    Atomics.store(this.#view, FLAG, 0);
    leaveShared();
  }

  /**
   * Blocks the thread until the flag is set or the timeout passes.
   *
   * @param options `timeout` in ms.
   * @returns Whether the flag is set.
   * @throws {TypeError} For an unknown option or a `timeout` that is not a number.
   */
  waitSync(options?: WaitOptions): boolean {
    return runSync(eventWait(this.#view, waitDeadline(options, "Event.waitSync", true)));
  }

  /**
   * Waits until the flag is set or the timeout passes.
   *
   * @param options `timeout` in ms, an abort `signal`.
   * @returns Whether the flag is set.
   * @throws {TypeError} For an unknown option or a `timeout` that is not a number.
   */
  async wait(options?: AsyncWaitOptions): Promise<boolean> {
    const deadline = waitDeadline(options, "Event.wait", false);
    return await runAsync(eventWait(this.#view, deadline), signalOf(options));
  }

  /**
   * Shows whether it is set.
   *
   * @returns `<Event(set)>` or `<Event(unset)>`.
   */
  toString(): string {
    return `<Event(${this.isSet() ? "set" : "unset"})>`;
  }

  /**
   * Describes the event for sending to another process.
   *
   * @returns Its kind, module and buffer.
   */
  [shareSymbol](): SharedRef {
    return { kind: "Event", module: import.meta.url, state: { buffer: this.#view.buffer } };
  }
}

printAsString(Event);

registerShareable("Event", (state) => {
  const e = new Event();
  adoptEvent(e, (state as { buffer: SharedArrayBuffer }).buffer);
  return e;
});
