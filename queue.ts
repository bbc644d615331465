/**
 * Python's `multiprocessing.Queue`, `JoinableQueue` and `SimpleQueue`: FIFO
 * queues that any number of processes put to and get from at once. They
 * live in shared memory (pass them to a process in its `args`); an unbounded
 * queue never blocks a producer, so a parent may join its children before
 * draining what they put, which deadlocks in Python.
 *
 * @module
 */

import { AGAIN, Channel, NOTHING } from "./internal/channel/channel.ts";
import { registerShareable, type SharedRef, shareSymbol } from "./internal/shareable.ts";
import { readySymbol, type ReadyWord } from "./internal/wait/ready.ts";
import {
  afterWaiting,
  BLOCK_TIMEOUT,
  BLOCK_TIMEOUT_SIGNAL,
  blockingOptions,
  optionsOf,
  TIMEOUT,
  TIMEOUT_SIGNAL,
} from "./internal/options.ts";
import {
  checkMaxsize,
  type JoinQueueOptions,
  type QueueOptions,
} from "./internal/channel/queue_options.ts";

import { Empty, Full, QueueClosedError } from "./internal/channel/errors.ts";
import { printAsString } from "./internal/inspect.ts";
import { settledBy } from "./internal/wait/futex.ts";
import { finishBeforeExit } from "./internal/process/state.ts";

export { Empty, Full, QueueClosedError };
export type { JoinQueueOptions, QueueOptions } from "./internal/channel/queue_options.ts";

const END: unique symbol = Symbol("end");

// Each queue's channel, for JoinableQueue's methods (a subclass cannot read
// its base's #private fields, and the channel is no business of the public
// surface).
const channels = new WeakMap<Queue<unknown>, Channel>();

// Set while a queue is rebuilt over a channel it received, read by the
// constructor: a reviver cannot pass a channel through the public signature.
let reviving: Channel | undefined;

function revive<Q>(make: () => Q, state: unknown): Q {
  reviving = new Channel((state as { sab: SharedArrayBuffer }).sab);
  try {
    return make();
  } finally {
    reviving = undefined;
  }
}

/**
 * A FIFO queue shared by any number of processes. Python's
 * `multiprocessing.Queue`.
 *
 * Items are copied (as structured clone copies them; common values through a
 * fast codec of the project's own). `put` never blocks on an unbounded queue.
 * `close()` closes the queue for every holder: `put` then throws, and `get`
 * returns what is left, then throws.
 *
 * @typeParam T The type of the items.
 *
 * @example Results from three processes
 * ```ts
 * import { Process, Queue } from "@tsmp/multiprocessing";
 *
 * export function square(q: Queue<number>, n: number) {
 *   q.putNowait(n * n);
 * }
 *
 * if (import.meta.main) {
 *   const q = new Queue<number>();
 *   const ps = [1, 2, 3].map((n) => new Process({ target: square, args: [q, n] }));
 *   for (const p of ps) p.start();
 *   for (const p of ps) await p.join();
 *   let sum = 0;
 *   while (!q.empty()) sum += q.getNowait();
 *   console.log(sum); // 14
 * }
 * ```
 */
export class Queue<T = unknown> implements AsyncIterable<T> {
  #ch: Channel;
  /** Whether items put are counted for `taskDone`/`join` (a JoinableQueue). */
  #joinable: boolean;
  /** Settles when this thread's last put still waiting for room is done. */
  #waiting: Promise<void> | undefined;

  /**
   * A new, empty queue.
   *
   * @param maxsize The most items the queue holds; 0 or less for no bound.
   * @throws {TypeError} If `maxsize` is not a number.
   * @throws {RangeError} If `maxsize` is not an integer, or above 2147483647.
   */
  constructor(maxsize = 0) {
    this.#ch = reviving ?? Channel.create(checkMaxsize(maxsize));
    this.#joinable = this instanceof JoinableQueue;
    channels.set(this, this.#ch);
  }

  #tryPut(item: T): true | typeof AGAIN {
    if (this.#ch.closed) throw new QueueClosedError();
    return this.#ch.tryPut(item, "item", this.#joinable) ? true : AGAIN;
  }

  #tryGet(): T | typeof AGAIN | typeof END {
    const value = this.#ch.tryGet();
    if (value !== NOTHING) return value as T;
    if (!this.#ch.closed) return AGAIN;
    // Closed: what was put before close() is still delivered.
    const last = this.#ch.tryGet();
    return last === NOTHING ? END : last as T;
  }

  /**
   * Puts `item` on the queue, waiting for room in a bounded queue.
   *
   * @param item The item; a copy of it is put.
   * @param options `block`, `timeout` (ms) and `signal`.
   * @returns When the item is on the queue.
   * @throws {Full} If a bounded queue stayed full.
   * @throws {TypeError} If `item` holds something that cannot be sent (the
   * message names where), or for bad options.
   * @throws {QueueClosedError} If the queue is closed.
   */
  async put(item: T, options?: QueueOptions): Promise<void> {
    const { block, deadline, signal } = blockingOptions("Queue.put", options, BLOCK_TIMEOUT_SIGNAL);
    signal?.throwIfAborted();
    // The common case (there is room, and no earlier put of this thread is
    // waiting for it) needs none of the wait machinery.
    if (this.#waiting === undefined && this.#tryPut(item) !== AGAIN) return;
    if (!block) throw new Full(afterWaiting("Queue is full", options));
    // Puts of one thread go in in the order they were made, as one Python
    // thread's do: this one waits behind the ones still waiting for room.
    const ahead = this.#waiting;
    let done!: () => void;
    const turn = new Promise<void>((resolve) => (done = resolve));
    this.#waiting = turn;
    // A process ends only once its waiting puts are done.
    finishBeforeExit(turn);
    try {
      if (ahead && !await settledBy(ahead, deadline, signal)) {
        throw new Full(afterWaiting("Queue is full", options));
      }
      const tryPut = () => this.#tryPut(item);
      const result = await this.#ch.untilWritable(tryPut, deadline, signal);
      if (result === AGAIN) throw new Full(afterWaiting("Queue is full", options));
    } finally {
      if (this.#waiting === turn) this.#waiting = undefined;
      done();
    }
  }

  /**
   * The `Sync` form of {@linkcode Queue.put}: blocks the thread while a
   * bounded queue is full.
   *
   * @param item The item; a copy of it is put.
   * @param options `block` and `timeout` (ms).
   * @throws {Full} If a bounded queue stayed full.
   * @throws {TypeError} If `item` cannot be sent, or for bad options.
   * @throws {QueueClosedError} If the queue is closed.
   */
  putSync(item: T, options?: Omit<QueueOptions, "signal">): void {
    const { block, deadline } = blockingOptions("Queue.putSync", options, BLOCK_TIMEOUT);
    const tryPut = () => this.#tryPut(item);
    const result = block ? this.#ch.untilWritableSync(tryPut, deadline) : tryPut();
    if (result === AGAIN) throw new Full(afterWaiting("Queue is full", options));
  }

  /**
   * Puts `item` without waiting: `put(item, { block: false })`.
   *
   * @param item The item; a copy of it is put.
   * @throws {Full} If a bounded queue is full.
   * @throws {TypeError} If `item` cannot be sent.
   * @throws {QueueClosedError} If the queue is closed.
   */
  putNowait(item: T): void {
    // Behind this thread's puts still waiting for room, as put() would be.
    if (this.#waiting !== undefined || this.#tryPut(item) === AGAIN) throw new Full();
  }

  /**
   * Takes the oldest item, waiting for one.
   *
   * @param options `block`, `timeout` (ms) and `signal`.
   * @returns The item.
   * @throws {Empty} If no item came in time.
   * @throws {QueueClosedError} If the queue is closed and drained.
   */
  async get(options?: QueueOptions): Promise<T> {
    const { block, deadline, signal } = blockingOptions("Queue.get", options, BLOCK_TIMEOUT_SIGNAL);
    signal?.throwIfAborted();
    // The common case (an item is there) needs none of the wait machinery.
    const first = this.#tryGet();
    if (first !== AGAIN && first !== END) return first;
    const tryGet = () => this.#tryGet();
    const result = block && first === AGAIN
      ? await this.#ch.untilReadable(tryGet, deadline, signal)
      : first;
    if (result === AGAIN) throw new Empty(afterWaiting("Queue is empty", options));
    if (result === END) throw new QueueClosedError();
    return result;
  }

  /**
   * The `Sync` form of {@linkcode Queue.get}: blocks the thread until an
   * item comes.
   *
   * @param options `block` and `timeout` (ms).
   * @returns The item.
   * @throws {Empty} If no item came in time.
   * @throws {QueueClosedError} If the queue is closed and drained.
   */
  getSync(options?: Omit<QueueOptions, "signal">): T {
    const { block, deadline } = blockingOptions("Queue.getSync", options, BLOCK_TIMEOUT);
    const tryGet = () => this.#tryGet();
    const result = block ? this.#ch.untilReadableSync(tryGet, deadline) : tryGet();
    if (result === AGAIN) throw new Empty(afterWaiting("Queue is empty", options));
    if (result === END) throw new QueueClosedError();
    return result;
  }

  /**
   * Takes the oldest item without waiting: `get({ block: false })`.
   *
   * @returns The item.
   * @throws {Empty} If the queue is empty.
   * @throws {QueueClosedError} If the queue is closed and drained.
   */
  getNowait(): T {
    const result = this.#tryGet();
    if (result === AGAIN) throw new Empty();
    if (result === END) throw new QueueClosedError();
    return result;
  }

  /**
   * How many items are in the queue; exact when nobody is putting or
   * getting at the moment.
   *
   * @returns The number of items.
   */
  qsize(): number {
    return this.#ch.size();
  }

  /**
   * Whether the queue holds no items (as of the moment of the call).
   *
   * @returns `qsize() === 0`.
   */
  empty(): boolean {
    return this.#ch.size() === 0;
  }

  /**
   * Whether a bounded queue holds `maxsize` items (as of the call).
   *
   * @returns Whether a `putNowait` would throw `Full` now.
   */
  full(): boolean {
    const max = this.#ch.maxsize;
    return max > 0 && this.#ch.size() >= max;
  }

  /** The bound given at construction, 0 for none. */
  get maxsize(): number {
    return this.#ch.maxsize;
  }

  /** Whether `close()` was called, in any process. */
  get closed(): boolean {
    return this.#ch.closed;
  }

  /**
   * Shows its bound and size.
   *
   * @returns `<Queue(maxsize=0, qsize=2)>` (`closed` added once closed).
   */
  toString(): string {
    return `<${this.constructor.name}(maxsize=${this.maxsize}, qsize=${this.#ch.size()}` +
      (this.closed ? ", closed)>" : ")>");
  }

  /**
   * Closes the queue for every holder: later `put`s throw, `get`s return
   * what is left and then throw, and `for await` loops end once it is
   * drained. Closing twice is allowed.
   */
  close(): void {
    this.#ch.close();
  }

  /**
   * Yields items until the queue is closed and drained.
   *
   * @returns An async iterator over the items.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    const tryGet = () => this.#tryGet();
    for (;;) {
      const result = await this.#ch.untilReadable(tryGet, Infinity);
      if (result === END || result === AGAIN) return;
      yield result;
    }
  }

  /**
   * How `connectionWait` sees the queue: ready when it holds items (or is
   * closed, when `get` would not wait either).
   *
   * @returns The word and the check.
   */
  [readySymbol](): ReadyWord {
    const ch = this.#ch;
    return ch.readyWord(() => ch.size() > 0 || ch.closed);
  }

  /** Sends the queue to another process (used by `Process` args). */
  [shareSymbol](): SharedRef {
    const kind = this.#joinable ? "JoinableQueue" : "Queue";
    return { kind, module: import.meta.url, state: { sab: this.#ch.sab } };
  }
}

printAsString(Queue);

/**
 * A {@linkcode Queue} that counts unfinished items: each `put` adds one,
 * each `taskDone()` takes one away, and `join()` waits for none. Python's
 * `multiprocessing.JoinableQueue`.
 *
 * @typeParam T The type of the items.
 *
 * @example Waiting until every item is processed
 * ```ts
 * import { JoinableQueue, Process } from "@tsmp/multiprocessing";
 *
 * export async function work(q: JoinableQueue<number>) {
 *   for (;;) {
 *     const n = await q.get();
 *     if (n < 0) break;
 *     console.log(n * 2);
 *     q.taskDone();
 *   }
 *   q.taskDone();
 * }
 *
 * if (import.meta.main) {
 *   const q = new JoinableQueue<number>();
 *   const p = new Process({ target: work, args: [q] });
 *   p.start();
 *   for (const n of [1, 2, 3, -1]) q.putNowait(n);
 *   await q.join();
 *   await p.join();
 * }
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T> {
  /**
   * Marks one item got from the queue as processed.
   *
   * @throws {Error} If called more times than items were put.
   */
  taskDone(): void {
    if (!channels.get(this)!.taskDone()) throw new Error("taskDone() called too many times");
  }

  /**
   * Waits until every item put has been marked done with `taskDone()`.
   *
   * @param options `timeout` (ms) and `signal`.
   * @returns True when none is unfinished, false if the timeout passed first.
   * @throws {TypeError} For an unknown option or a `timeout` that is not a number.
   */
  async join(options?: JoinQueueOptions): Promise<boolean> {
    const { deadline, signal } = blockingOptions("JoinableQueue.join", options, TIMEOUT_SIGNAL);
    return await channels.get(this)!.untilAllDone(deadline, signal);
  }

  /**
   * The `Sync` form of {@linkcode JoinableQueue.join}.
   *
   * @param options `timeout` (ms).
   * @returns True when none is unfinished, false if the timeout passed first.
   * @throws {TypeError} For an unknown option or a `timeout` that is not a number.
   */
  joinSync(options?: Omit<JoinQueueOptions, "signal">): boolean {
    const { deadline } = blockingOptions("JoinableQueue.joinSync", options, TIMEOUT);
    return channels.get(this)!.untilAllDoneSync(deadline);
  }
}

/**
 * The simplest shared queue: unbounded `put`, blocking `get`, `empty`,
 * `close`. Python's `multiprocessing.SimpleQueue`.
 *
 * @typeParam T The type of the items.
 *
 * @example Put and get in one process
 * ```ts
 * import { SimpleQueue } from "@tsmp/multiprocessing";
 *
 * const q = new SimpleQueue<string>();
 * q.put("a");
 * console.log(await q.get(), q.empty()); // a true
 * ```
 */
export class SimpleQueue<T = unknown> {
  #q: Queue<T>;

  /** An empty queue. */
  constructor() {
    this.#q = reviving ? new Queue<T>() : new Queue<T>(0);
  }

  /**
   * Puts a copy of `item` on the queue; never waits.
   *
   * @param item The item.
   * @throws {TypeError} If `item` cannot be sent.
   * @throws {QueueClosedError} If the queue is closed.
   */
  put(item: T): void {
    this.#q.putNowait(item);
  }

  /**
   * Takes the oldest item, waiting for one.
   *
   * @param options `signal`, to stop waiting.
   * @returns The item.
   * @throws {QueueClosedError} If the queue is closed and drained.
   */
  get(options?: { signal?: AbortSignal }): Promise<T> {
    try {
      optionsOf("SimpleQueue.get", options, ["signal"]);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#q.get(options);
  }

  /**
   * The `Sync` form of {@linkcode SimpleQueue.get}.
   *
   * @returns The item.
   * @throws {QueueClosedError} If the queue is closed and drained.
   */
  getSync(): T {
    return this.#q.getSync();
  }

  /**
   * Whether the queue holds no items.
   *
   * @returns Whether it is empty, as of the call.
   */
  empty(): boolean {
    return this.#q.empty();
  }

  /** Closes the queue for every holder, as {@linkcode Queue.close} does. */
  close(): void {
    this.#q.close();
  }

  /**
   * How `connectionWait` sees the queue, as {@linkcode Queue}'s.
   *
   * @returns The word and the check.
   */
  [readySymbol](): ReadyWord {
    return this.#q[readySymbol]();
  }

  /**
   * Shows whether it is empty.
   *
   * @returns `<SimpleQueue(empty)>` or `<SimpleQueue(not empty)>`.
   */
  toString(): string {
    return `<SimpleQueue(${this.empty() ? "empty" : "not empty"})>`;
  }

  /** Sends the queue to another process (used by `Process` args). */
  [shareSymbol](): SharedRef {
    return { ...this.#q[shareSymbol](), kind: "SimpleQueue" };
  }
}

printAsString(SimpleQueue);

registerShareable("Queue", (state) => revive(() => new Queue(), state));
registerShareable("JoinableQueue", (state) => revive(() => new JoinableQueue(), state));
registerShareable("SimpleQueue", (state) => revive(() => new SimpleQueue(), state));
