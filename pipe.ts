/**
 * Python's `multiprocessing.Pipe`: a pair of connected ends, each of which
 * any number of processes may hold and use at once. Built on the same
 * shared-memory channel as `Queue` (one channel per direction).
 *
 * `recv` throws {@linkcode EOFError} once the pipe is drained and every
 * process holding the other end has closed it or ended. A process's own copy
 * of the other end keeps its async `recv` waiting (another task of the
 * process could still send) but not its `recvSync` (a thread blocked in
 * `recvSync` cannot send): close your copy, as in Python, once you have
 * handed it to the processes that write.
 *
 * @module
 */

import {
  claim,
  hold,
  HOLDERS,
  holdersAlive,
  READERS,
  release,
  ticket,
} from "./internal/channel/holders.ts";
import { AGAIN, Channel, NOTHING } from "./internal/channel/channel.ts";
import { messageBytes, RawBytes } from "./internal/codec/encode.ts";
import { TimeoutError } from "./internal/errors.ts";
import { BrokenPipeError, ConnectionClosedError, EOFError } from "./internal/channel/errors.ts";
import { registerShareable, type SharedRef, shareSymbol } from "./internal/shareable.ts";
import { readySymbol, type ReadyWord } from "./internal/wait/ready.ts";
import { describe } from "./internal/wait/futex.ts";
import { afterWaiting, blockingOptions, TIMEOUT, TIMEOUT_SIGNAL } from "./internal/options.ts";
import { printAsString } from "./internal/inspect.ts";

export { BrokenPipeError, ConnectionClosedError, EOFError };

/** Options of {@linkcode Connection.recv}. */
export interface RecvOptions {
  /**
   * The longest wait in milliseconds; then a `TimeoutError` is thrown.
   * @default {undefined} (wait as long as it takes)
   */
  timeout?: number;
  /**
   * Stops the wait; the call then rejects with the signal's reason.
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Options of {@linkcode Connection.poll}. */
export interface PollOptions {
  /**
   * How long to wait for a message, in milliseconds; `Infinity` waits as long
   * as it takes.
   * @default {0}
   */
  timeout?: number;
  /**
   * Stops the wait; the call then rejects with the signal's reason.
   * @default {undefined}
   */
  signal?: AbortSignal;
}

interface ConnectionState {
  read?: SharedArrayBuffer;
  write?: SharedArrayBuffer;
  /** The copy's entry among the write channel's writers. */
  ticket?: number;
  /** The copy's entry among the read channel's readers. */
  readTicket?: number;
}

const EOF: unique symbol = Symbol("eof");

// Set while an end is rebuilt in a process that received it.
let building: { read?: Channel; write?: Channel } | undefined;

/**
 * One end of a {@linkcode Pipe}. Python's `multiprocessing.connection.Connection`.
 *
 * @typeParam T The type of the messages.
 *
 * @example Talking to a child process
 * ```ts
 * import { type Connection, Pipe, Process } from "@tsmp/multiprocessing";
 *
 * export async function child(conn: Connection<string>) {
 *   conn.send(`hello ${await conn.recv()}`);
 *   conn.close();
 * }
 *
 * if (import.meta.main) {
 *   const [parentEnd, childEnd] = Pipe<string>();
 *   const p = new Process({ target: child, args: [childEnd] });
 *   p.start();
 *   parentEnd.send("world");
 *   console.log(await parentEnd.recv()); // hello world
 *   await p.join();
 * }
 * ```
 */
export class Connection<T = unknown> implements AsyncIterable<T>, Disposable {
  #read: Channel | undefined;
  #write: Channel | undefined;
  #closed = false;

  /** Ends are made by {@linkcode Pipe}; this constructor is not for direct use. */
  constructor() {
    if (!building) throw new TypeError("Connections are made by Pipe()");
    this.#read = building.read;
    this.#write = building.write;
  }

  /** Whether `close()` was called on this end in this process. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether this end can receive. */
  get readable(): boolean {
    return this.#read !== undefined;
  }

  /** Whether this end can send. */
  get writable(): boolean {
    return this.#write !== undefined;
  }

  #reader(): Channel {
    if (this.#closed) throw new ConnectionClosedError();
    if (!this.#read) throw new Error("Connection is write-only");
    return this.#read;
  }

  #writer(): Channel {
    if (this.#closed) throw new ConnectionClosedError();
    if (!this.#write) throw new Error("Connection is read-only");
    // Python's EPIPE: no process could ever receive what is sent.
    if (!holdersAlive(this.#write.i32, READERS, true)) throw new BrokenPipeError();
    return this.#write;
  }

  /**
   * Sends a copy of `obj` to the other end. Never waits: the pipe grows.
   *
   * @param obj The message.
   * @throws {TypeError} If `obj` holds something that cannot be sent (the
   * message names where).
   * @throws {ConnectionClosedError} If this end is closed.
   * @throws {BrokenPipeError} If every process holding the other end has closed it or ended.
   * @throws {Error} If this end is read-only.
   */
  send(obj: T): void {
    this.#writer().tryPut(obj, "obj");
  }

  /**
   * Sends bytes, `size` of them from `offset`; `recvBytes` on the other end
   * returns them.
   *
   * @param buf The bytes (any typed array, DataView or ArrayBuffer).
   * @param offset Where to start, in bytes.
   * @param size How many bytes; the rest of `buf` by default.
   * @throws {TypeError} If `buf` is not bytes.
   * @throws {RangeError} If `offset` or `size` fall outside `buf`.
   * @throws {ConnectionClosedError} If this end is closed.
   * @throws {BrokenPipeError} If every process holding the other end has closed it or ended.
   * @throws {Error} If this end is read-only.
   */
  sendBytes(buf: ArrayBufferView | ArrayBuffer, offset = 0, size?: number): void {
    let bytes: Uint8Array;
    if (buf instanceof ArrayBuffer) bytes = new Uint8Array(buf);
    else if (ArrayBuffer.isView(buf)) {
      bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } else throw new TypeError(`'buf' must be a typed array or ArrayBuffer, got ${describe(buf)}`);
    if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
      throw new RangeError(`'offset' must be an integer from 0 to ${bytes.length}, got ${offset}`);
    }
    const n = size ?? bytes.length - offset;
    if (!Number.isInteger(n) || n < 0 || offset + n > bytes.length) {
      throw new RangeError(
        `'size' must be an integer from 0 to ${bytes.length - offset}, got ${n}`,
      );
    }
    this.#writer().tryPut(new RawBytes(bytes.subarray(offset, offset + n)), "buf");
  }

  #attempt(raw: boolean, sync: boolean): () => unknown {
    const ch = this.#reader();
    return () => {
      const value = ch.tryGet(raw);
      if (value !== NOTHING) return value;
      if (holdersAlive(ch.i32, HOLDERS, !sync)) return AGAIN;
      // A writer may have sent and then ended: drain before EOF.
      const last = ch.tryGet(raw);
      return last === NOTHING ? EOF : last;
    };
  }

  /**
   * Receives the next message, waiting for one.
   *
   * @param options `timeout` (ms) and `signal`.
   * @returns The message.
   * @throws {EOFError} If the pipe is drained and every writer has closed or ended.
   * @throws {TimeoutError} If no message came within `timeout`.
   * @throws {ConnectionClosedError} If this end is closed.
   * @throws {Error} If this end is write-only.
   */
  async recv(options: RecvOptions = {}): Promise<T> {
    return finish(await this.#wait(this.#attempt(false, false), options), options) as T;
  }

  /**
   * The `Sync` form of {@linkcode Connection.recv}: blocks the thread.
   *
   * @param options `timeout` (ms).
   * @returns The message.
   * @throws {EOFError} If the pipe is drained and every other writer has closed or ended.
   * @throws {TimeoutError} If no message came within `timeout`.
   * @throws {ConnectionClosedError} If this end is closed.
   * @throws {Error} If this end is write-only.
   */
  recvSync(options: Omit<RecvOptions, "signal"> = {}): T {
    return finish(this.#waitSync(this.#attempt(false, true), options), options) as T;
  }

  /**
   * Receives the next message as bytes: what `sendBytes` sent, or the
   * encoded form of what `send` sent.
   *
   * @param maxlength The longest message accepted, in bytes.
   * @param options `timeout` (ms) and `signal`.
   * @returns The bytes.
   * @throws {RangeError} If the message is longer than `maxlength` (it is dropped).
   * @throws {EOFError} If the pipe is drained and every writer has closed or ended.
   * @throws {TimeoutError} If no message came within `timeout`.
   */
  async recvBytes(maxlength?: number, options: RecvOptions = {}): Promise<Uint8Array> {
    checkMaxlength(maxlength);
    const raw = finish(
      await this.#wait(this.#attempt(true, false), options),
      options,
    ) as Uint8Array;
    return limit(messageBytes(raw), maxlength);
  }

  /**
   * The `Sync` form of {@linkcode Connection.recvBytes}.
   *
   * @param maxlength The longest message accepted, in bytes.
   * @param options `timeout` (ms).
   * @returns The bytes.
   * @throws {RangeError} If the message is longer than `maxlength` (it is dropped).
   * @throws {EOFError} If the pipe is drained and every other writer has closed or ended.
   * @throws {TimeoutError} If no message came within `timeout`.
   */
  recvBytesSync(maxlength?: number, options: Omit<RecvOptions, "signal"> = {}): Uint8Array {
    checkMaxlength(maxlength);
    const raw = finish(this.#waitSync(this.#attempt(true, true), options), options) as Uint8Array;
    return limit(messageBytes(raw), maxlength);
  }

  /**
   * Whether a message (or the end of the pipe) is ready to receive, waiting
   * up to `timeout` ms for one. Python's `poll(timeout=0.0)`.
   *
   * @param options `timeout` (ms; 0 by default: no wait) and `signal`.
   * @returns True when `recv` would not wait.
   * @throws {ConnectionClosedError} If this end is closed.
   * @throws {Error} If this end is write-only.
   */
  async poll(options: PollOptions = {}): Promise<boolean> {
    const { deadline, signal } = blockingOptions("Connection.poll", options, TIMEOUT_SIGNAL, 0);
    const ch = this.#reader();
    const ready = () => (ch.size() > 0 || !holdersAlive(ch.i32, HOLDERS, true) ? true : AGAIN);
    return await ch.untilReadable(ready, deadline, signal) === true;
  }

  /**
   * The `Sync` form of {@linkcode Connection.poll}.
   *
   * @param options `timeout` (ms; 0 by default: no wait).
   * @returns True when `recvSync` would not wait.
   * @throws {ConnectionClosedError} If this end is closed.
   * @throws {Error} If this end is write-only.
   */
  pollSync(options: Omit<PollOptions, "signal"> = {}): boolean {
    const { deadline } = blockingOptions("Connection.pollSync", options, TIMEOUT, 0);
    const ch = this.#reader();
    const ready = () => (ch.size() > 0 || !holdersAlive(ch.i32, HOLDERS, false) ? true : AGAIN);
    return ch.untilReadableSync(ready, deadline) === true;
  }

  #wait(attempt: () => unknown, options: RecvOptions): Promise<unknown> {
    const { deadline, signal } = blockingOptions("Connection.recv", options, TIMEOUT_SIGNAL);
    return this.#read!.untilReadable(attempt, deadline, signal);
  }

  #waitSync(attempt: () => unknown, options: RecvOptions): unknown {
    const { deadline } = blockingOptions("Connection.recvSync", options, TIMEOUT);
    return this.#read!.untilReadableSync(attempt, deadline);
  }

  /**
   * Shows what this end can do.
   *
   * @returns `<Connection(readable, writable)>`, `<Connection(readable)>`,
   * `<Connection(writable)>` or `<Connection(closed)>`.
   */
  toString(): string {
    const can = this.#closed
      ? ["closed"]
      : [...(this.#read ? ["readable"] : []), ...(this.#write ? ["writable"] : [])];
    return `<Connection(${can.join(", ")})>`;
  }

  /**
   * Closes this end in this process. Once every process holding the sending
   * side of a direction has closed it or ended, the reader gets `EOFError`
   * after the last message. Closing twice is allowed.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // What this process held of the end: its readers' and writers' entries.
    if (this.#read) release(this.#read.i32, READERS);
    if (this.#write) {
      release(this.#write.i32, HOLDERS);
      // Wake readers so that they re-check whether any writer is left.
      this.#write.wake();
    }
  }

  /** Closes the end (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Yields messages until `EOFError`.
   *
   * @returns An async iterator over the messages.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const value = await this.#wait(this.#attempt(false, false), {});
      if (value === EOF) return;
      yield value as T;
    }
  }

  /**
   * How `connectionWait` sees this end: ready when `recv` would not wait (a
   * message, or the end of the pipe).
   *
   * @returns The word and the check.
   * @throws {ConnectionClosedError} If this end is closed.
   * @throws {Error} If this end is write-only.
   */
  [readySymbol](): ReadyWord {
    const ch = this.#reader();
    return ch.readyWord((async) => ch.size() > 0 || !holdersAlive(ch.i32, HOLDERS, async));
  }

  /** Sends the end to another process (used by `Process` args). */
  [shareSymbol](): SharedRef {
    if (this.#closed) {
      throw new ConnectionClosedError("Cannot send a closed Connection to another process");
    }
    const state: ConnectionState = { read: this.#read?.sab, write: this.#write?.sab };
    // The copy counts as a holder from now on, until its receiver claims it.
    if (this.#write) state.ticket = ticket(this.#write.i32, HOLDERS);
    if (this.#read) state.readTicket = ticket(this.#read.i32, READERS);
    return { kind: "Connection", module: import.meta.url, state };
  }
}

printAsString(Connection);

function finish(result: unknown, options: RecvOptions): unknown {
  if (result === AGAIN) throw new TimeoutError(afterWaiting("No message arrived", options));
  if (result === EOF) throw new EOFError();
  return result;
}

function checkMaxlength(maxlength: unknown): void {
  if (maxlength === undefined) return;
  if (typeof maxlength !== "number" || !Number.isInteger(maxlength) || maxlength < 0) {
    throw new RangeError(`'maxlength' must be a non-negative integer, got ${describe(maxlength)}`);
  }
}

function limit(bytes: Uint8Array, maxlength: number | undefined): Uint8Array {
  if (maxlength !== undefined && bytes.length > maxlength) {
    throw new RangeError(
      `Message of ${bytes.length} bytes is longer than 'maxlength' ${maxlength}`,
    );
  }
  return bytes;
}

function build<T>(read: Channel | undefined, write: Channel | undefined): Connection<T> {
  building = { read, write };
  try {
    return new Connection<T>();
  } finally {
    building = undefined;
  }
}

/**
 * Makes a pipe: two connected ends. Python's `multiprocessing.Pipe`.
 *
 * @typeParam T The type of the messages.
 * @param duplex Whether both ends send and receive; if false, the first
 * end only receives and the second only sends.
 * @returns The two ends.
 * @throws {TypeError} If `duplex` is not a boolean.
 *
 * @example A one-way pipe
 * ```ts
 * import { Pipe } from "@tsmp/multiprocessing";
 *
 * const [reader, writer] = Pipe<string>(false);
 * writer.send("hi");
 * console.log(reader.recvSync()); // hi
 * ```
 */
export function Pipe<T = unknown>(duplex = true): [Connection<T>, Connection<T>] {
  if (typeof duplex !== "boolean") {
    throw new TypeError(`'duplex' must be a boolean, got ${describe(duplex)}`);
  }
  // This process holds both ends: it writes and reads each channel.
  const a = Channel.create(0);
  hold(a.i32, HOLDERS);
  hold(a.i32, READERS);
  if (!duplex) return [build<T>(a, undefined), build<T>(undefined, a)];
  const b = Channel.create(0);
  hold(b.i32, HOLDERS);
  hold(b.i32, READERS);
  return [build<T>(a, b), build<T>(b, a)];
}

registerShareable("Connection", (state) => {
  const { read, write, ticket, readTicket } = state as ConnectionState;
  const writeChannel = write && new Channel(write);
  if (writeChannel) claim(writeChannel.i32, HOLDERS, ticket);
  const readChannel = read && new Channel(read);
  if (readChannel) claim(readChannel.i32, READERS, readTicket);
  return build(readChannel, writeChannel);
});
