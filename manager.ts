/**
 * Python's `multiprocessing.Manager()` (a `SyncManager`): shared `dict`,
 * `list` and `Namespace` objects any process in the tree can hold and
 * change, plus the usual shared objects (`Value`, `Array`, `Queue`, the
 * locks) from one place.
 *
 * Python runs a server process and sends every call to it over a socket.
 * Here the containers live in shared memory and each process works on them
 * directly, under a per-container lock: a single-key `get` or `set` costs
 * microseconds, not a round trip. `new Manager()`, `shutdown()` and
 * `await using` keep Python's shape; after `shutdown()` every proxy call
 * throws {@linkcode ManagerShutdownError}.
 *
 * @module
 */

import {
  createContainer,
  createManager,
  managerRunning,
  type Ref,
  shutdownManager,
  toStored,
  write,
} from "./internal/manager/store.ts";
import { DictProxy, dictProxy } from "./internal/manager/dict.ts";
import { ListProxy, listProxy } from "./internal/manager/list.ts";
import { type Namespace, namespaceProxy } from "./internal/manager/namespace.ts";
import { KeyError, ManagerShutdownError } from "./internal/manager/errors.ts";
import "./internal/manager/revive.ts";
import { JoinableQueue, Queue } from "./queue.ts";
import {
  Barrier,
  type BarrierOptions,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  RLock,
  Semaphore,
} from "./lock.ts";
import { type ElementOf, SharedArray, type Typecode, Value } from "./shared.ts";
import { printAsString } from "./internal/inspect.ts";

export { DictProxy, KeyError, ListProxy, ManagerShutdownError };
export type { Namespace };
export type { SortOptions } from "./internal/manager/list.ts";

/**
 * Shared containers and objects for a process tree: Python's
 * `multiprocessing.Manager()`. `dict()`, `list()` and `Namespace()` give
 * proxies that work in any process they are passed to (in `args` at any
 * depth, in `Process` subclass fields, in `Pool` initargs); they nest (a
 * list in a dict). `Value`, `Array`, `Queue`, `JoinableQueue`, `Lock`,
 * `RLock`, `Semaphore`, `BoundedSemaphore`, `Condition`, `Event` and
 * `Barrier` give the library's own shared objects, which need no Manager.
 *
 * What a killed process cannot do here, unlike Python: leave a container
 * half-updated (each change is published by one atomic store), hold a
 * container's lock forever (a dead owner's lock is taken over), or take the
 * data with it (the data outlives every process but `shutdown()`, and
 * there is no server process to lose).
 *
 * @example A dict shared by four processes
 * ```ts
 * import { type DictProxy, Manager, Process } from "@tsmp/multiprocessing";
 *
 * export function record(d: DictProxy<number, number>, n: number): void {
 *   d.set(n, n * n);
 * }
 *
 * if (import.meta.main) {
 *   await using manager = new Manager();
 *   const d = manager.dict<number, number>();
 *   const ps = [1, 2, 3, 4].map((n) => new Process({ target: record, args: [d, n] }));
 *   for (const p of ps) p.start();
 *   for (const p of ps) await p.join();
 *   console.log(d.size, d.get(3)); // 4 9
 * }
 * ```
 *
 * @example Nested proxies and a Namespace
 * ```ts
 * import { Manager } from "@tsmp/multiprocessing";
 *
 * using manager = new Manager();
 * const d = manager.dict<string, unknown>();
 * const log = manager.list<string>();
 * d.set("log", log);
 * (d.get("log") as typeof log).append("shared");
 * const ns = manager.Namespace({ x: 1 });
 * ns.x += 1;
 * console.log(log.slice(), ns.x); // [ "shared" ] 2
 * ```
 */
export class Manager implements Disposable, AsyncDisposable {
  #at: number;
  #containers: number[] = [];

  /** Starts the manager (Python's `Manager()`): its memory, in the tree's shared arena. */
  constructor() {
    this.#at = createManager();
  }

  #check(): void {
    if (!managerRunning(this.#at)) throw new ManagerShutdownError("The Manager has been shut down");
  }

  #container(): Ref {
    this.#check();
    const ref = createContainer(this.#at);
    this.#containers.push(ref.at);
    return ref;
  }

  /**
   * A shared dict, optionally filled from `init`.
   *
   * @typeParam K The keys' type (primitives).
   * @typeParam V The values' type.
   * @param init A Map, an object, or `[key, value]` pairs.
   * @returns The proxy.
   * @throws {TypeError} For a key or value that cannot be stored.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  dict<K = unknown, V = unknown>(
    init?: Iterable<readonly [K, V]> | Record<string, V>,
  ): DictProxy<K, V> {
    const d = dictProxy<K, V>(this.#container());
    if (init !== undefined) d.update(init);
    return d;
  }

  /**
   * A shared list, optionally filled from `init`.
   *
   * @typeParam T The items' type.
   * @param init The first items.
   * @returns The proxy.
   * @throws {TypeError} For an item that cannot be stored.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  list<T = unknown>(init?: Iterable<T>): ListProxy<T> {
    const xs = listProxy<T>(this.#container());
    if (init !== undefined) xs.extend(init);
    return xs;
  }

  /**
   * A shared Namespace: attributes any holder can set and read.
   *
   * @typeParam T The attributes' types.
   * @param init The first attributes (Python's `Namespace(**kwargs)`).
   * @returns The proxy.
   * @throws {TypeError} For a value that cannot be stored.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  // deno-lint-ignore no-explicit-any
  Namespace<T extends Record<string, any> = Record<string, any>>(init?: T): Namespace<T> {
    const ref = this.#container();
    if (init !== undefined) {
      const stored = toStored({ ...init }, "init") as Record<string, unknown>;
      write(ref, "namespace", (o: Record<string, unknown>) => Object.assign(o, stored));
    }
    return namespaceProxy<T>(ref);
  }

  /**
   * A shared value (the library's {@linkcode Value}, with its lock).
   *
   * @param typecode Its type, as in Python's `array` module.
   * @param value Its first value.
   * @returns The value.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  Value<T extends Typecode>(typecode: T, value?: ElementOf<T>): Value<T> {
    this.#check();
    return new Value(typecode, value);
  }

  /**
   * A shared array (the library's {@linkcode SharedArray}, with its lock).
   *
   * @param typecode Its items' type.
   * @param sizeOrValues Its length, or its items.
   * @returns The array.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  Array<T extends Typecode>(
    typecode: T,
    sizeOrValues: number | Iterable<ElementOf<T>>,
  ): SharedArray<T> {
    this.#check();
    return new SharedArray(typecode, sizeOrValues);
  }

  /**
   * A {@linkcode Queue}.
   *
   * @param maxsize The most items it holds; 0 for no bound. @default {0}
   * @returns The queue.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  Queue<T = unknown>(maxsize = 0): Queue<T> {
    this.#check();
    return new Queue<T>(maxsize);
  }

  /**
   * A {@linkcode JoinableQueue}.
   *
   * @param maxsize The most items it holds; 0 for no bound. @default {0}
   * @returns The queue.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  JoinableQueue<T = unknown>(maxsize = 0): JoinableQueue<T> {
    this.#check();
    return new JoinableQueue<T>(maxsize);
  }

  /**
   * A {@linkcode Lock}.
   *
   * @returns The lock.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  Lock(): Lock {
    this.#check();
    return new Lock();
  }

  /**
   * An {@linkcode RLock}.
   *
   * @returns The lock.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  RLock(): RLock {
    this.#check();
    return new RLock();
  }

  /**
   * A {@linkcode Semaphore}.
   *
   * @param value Its first count. @default {1}
   * @returns The semaphore.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  Semaphore(value = 1): Semaphore {
    this.#check();
    return new Semaphore(value);
  }

  /**
   * A {@linkcode BoundedSemaphore}.
   *
   * @param value Its first count and bound. @default {1}
   * @returns The semaphore.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  BoundedSemaphore(value = 1): BoundedSemaphore {
    this.#check();
    return new BoundedSemaphore(value);
  }

  /**
   * A {@linkcode Condition}.
   *
   * @param lock Its lock. @default {a new Lock}
   * @returns The condition.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  Condition(lock?: Lock | RLock): Condition {
    this.#check();
    return new Condition(lock);
  }

  /**
   * An {@linkcode Event}.
   *
   * @returns The event.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  Event(): Event {
    this.#check();
    return new Event();
  }

  /**
   * A {@linkcode Barrier}.
   *
   * @param parties How many must wait.
   * @param options `action`, `timeout`.
   * @returns The barrier.
   * @throws {ManagerShutdownError} After `shutdown()`.
   */
  Barrier(parties: number, options?: BarrierOptions): Barrier {
    this.#check();
    return new Barrier(parties, options);
  }

  /**
   * Ends the manager: every proxy of it, in every process, then throws
   * {@linkcode ManagerShutdownError}, and its memory goes back to the arena.
   * The objects `Value` to `Barrier` gave are the library's own and go on
   * working. Calling it twice is allowed.
   */
  shutdown(): void {
    if (!managerRunning(this.#at)) return;
    shutdownManager(this.#at, this.#containers);
    this.#containers = [];
  }

  /** `using manager = new Manager()`: shuts it down at the end of the block. */
  [Symbol.dispose](): void {
    this.shutdown();
  }

  /** `await using manager = new Manager()`: Python's `with Manager() as manager:`. */
  [Symbol.asyncDispose](): Promise<void> {
    this.shutdown();
    return Promise.resolve();
  }

  /**
   * Whether the manager runs, Python's repr style.
   *
   * @returns `<Manager(running)>` or `<Manager(shut down)>`.
   */
  toString(): string {
    return `<Manager(${managerRunning(this.#at) ? "running" : "shut down"})>`;
  }
}

printAsString(Manager);
