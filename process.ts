/**
 * `Process`: a function (or a `Process` subclass's `run()`) running in a
 * worker of its own, with Python's lifecycle (`start`, `join`, `isAlive`,
 * `terminate`, `kill`, `close`, `exitcode`) and the module functions
 * `currentProcess`, `parentProcess`, `activeChildren`, `cpuCount` and `exit`.
 *
 * @module
 */

import { runtime, workerSide } from "./runtime/mod.ts";
import { Child } from "./internal/process/child.ts";
import { checkCanStart } from "./internal/process/start.ts";
import {
  allocSlot,
  EXITED,
  slotExitCode,
  slotState,
  tableBuffer,
  waitExited,
  waitExitedSync,
} from "./internal/process/table.ts";
import { encodeArgs } from "./internal/shareable.ts";
import {
  ADOPT,
  PROCESS_BASE,
  type ProcessInfo,
  type ThreadState,
  threadState,
} from "./internal/process/state.ts";
import { callerModules, resolveTarget, type TargetRef } from "./internal/target/resolve.ts";
import { placeArgs } from "./internal/target/kwargs.ts";
import { SystemExit } from "./internal/errors.ts";
import { ProcessClosedError } from "./internal/process/errors.ts";
import { describe, settledBy } from "./internal/wait/futex.ts";
import {
  type Blocking,
  blockingOptions,
  optionsOf,
  TIMEOUT,
  TIMEOUT_SIGNAL,
} from "./internal/options.ts";
import type { StartData } from "./internal/process/protocol.ts";
import { START_METHOD, type StartMethod } from "./internal/process/start.ts";
import { Sentinel } from "./internal/process/sentinel.ts";
import { arenaBuffer } from "./internal/memory/arena.ts";

export { ProcessError } from "./internal/errors.ts";
export { Sentinel };
export { ProcessClosedError } from "./internal/process/errors.ts";

// A child's pid is this base plus its slot in the process table: above the
// largest pid Linux (2^22) and macOS (99,998) give, so `process.kill(p.pid)`
// (Python's `os.kill`) fails with ESRCH instead of reaching a real process.
const CHILD_PID_BASE = 5_000_000;

function state(): ThreadState {
  return threadState(() => ({
    self: { name: "MainProcess", pid: runtime.pid(), slot: 0, daemon: false, identity: [] },
    parent: null,
    mainModule: runtime.mainModule(),
    bootstrapping: false,
    counter: 0,
    children: new Set(),
    current: undefined,
  }));
}

/** Options for {@linkcode Process}. */
export interface ProcessOptions<A extends unknown[] = unknown[]> {
  /**
   * The function the process runs. Export it from its module (the worker
   * imports that module to find it); a function exported nowhere is sent by
   * its source text and may use only its parameters and globals.
   * @default {undefined} (run() does nothing)
   */
  target?: ((...args: A) => unknown) | (abstract new (...args: A) => unknown);
  /**
   * Positional arguments for `target`, type-checked against its parameters
   * (leading ones may stand alone, where `kwargs` gives the rest).
   * @default {[]}
   */
  args?: NoInfer<Partial<A>>;
  /** Arguments by parameter name, as Python's `kwargs`. @default {{}} */
  kwargs?: Record<string, unknown>;
  /** The process's name. @default {"Process-N"} */
  name?: string;
  /** Whether the process ends when the program ends. @default {false} */
  daemon?: boolean;
  /** The module that exports `target`, where the call stack does not show it. */
  module?: string | URL;
}

const PROCESS_KEYS = ["target", "args", "kwargs", "name", "daemon", "module"];

/** Options for {@linkcode Process.prototype.join}. */
export interface JoinOptions {
  /** Milliseconds to wait at most. @default {Infinity} */
  timeout?: number;
  /** Stops waiting (rejecting with the signal's reason) when aborted. */
  signal?: AbortSignal;
}

/**
 * A function running in a process of its own: a worker with its own heap,
 * as isolated as Python's processes. Construct, `start()`, then `join()`.
 *
 * @example Two processes in parallel
 * ```ts
 * import { Process } from "@tsmp/multiprocessing";
 *
 * export async function work(name: string, ms: number) {
 *   console.log(`start ${name}`);
 *   await new Promise((r) => setTimeout(r, ms));
 *   console.log(`end ${name}`);
 * }
 *
 * if (import.meta.main) {
 *   const ps = [new Process({ target: work, args: ["a", 30] }),
 *               new Process({ target: work, args: ["b", 60] })];
 *   for (const p of ps) p.start();
 *   for (const p of ps) await p.join();
 *   console.log(ps.map((p) => p.exitcode)); // [ 0, 0 ]
 * }
 * ```
 *
 * @example A subclass with run()
 * ```ts
 * import { Process } from "@tsmp/multiprocessing";
 *
 * export class Greeter extends Process {
 *   greeting: string;
 *   constructor(greeting: string) {
 *     super();
 *     this.greeting = greeting;
 *   }
 *   override run() {
 *     console.log(this.greeting, this.name);
 *   }
 * }
 *
 * if (import.meta.main) {
 *   const p = new Greeter("hello from");
 *   p.start();
 *   await p.join();
 * }
 * ```
 */
export class Process<A extends unknown[] = unknown[]> implements AsyncDisposable {
  #name: string;
  #daemon: boolean;
  #target: TargetRef | undefined;
  #args: unknown;
  #callers: string[];
  #module: string | undefined;
  #identity: number[];
  #started = false;
  #closed = false;
  /** Stands for an existing process (the current one or the parent). */
  #adopted = false;
  #slot = -1;
  #pid: number | null = null;
  #child: Child | undefined;
  #done: Promise<void> | undefined;
  /** The start method of the context that made it; the one in force if none. */
  #method: StartMethod | undefined;
  #sentinel: Sentinel | undefined;

  /**
   * Describes a process; nothing runs until {@linkcode Process.prototype.start}.
   *
   * @param options The target, its arguments, a name, the daemon flag.
   * @throws {TypeError} If `target` is not a function, `args` is not an
   * array, an argument cannot be sent to a worker (the message names its
   * path), or `kwargs` names a parameter the target does not have.
   */
  constructor(options: ProcessOptions<A> = {}) {
    const adopt = (options as { [ADOPT]?: ProcessInfo })?.[ADOPT];
    if (adopt) {
      this.#name = adopt.name;
      this.#daemon = adopt.daemon;
      this.#identity = adopt.identity;
      this.#slot = adopt.slot;
      this.#pid = adopt.pid;
      this.#started = true;
      this.#adopted = true;
      this.#callers = [];
      return;
    }
    const { target, args = [], kwargs, name, daemon, module } = optionsOf(
      "new Process",
      options,
      PROCESS_KEYS,
    );
    this.#method = (options as { [START_METHOD]?: StartMethod })[START_METHOD];
    if (target !== undefined && typeof target !== "function") {
      throw new TypeError(`'target' must be a function, got ${describe(target)}`);
    }
    if (!Array.isArray(args)) throw new TypeError(`'args' must be an array, got ${describe(args)}`);
    if (
      kwargs !== undefined &&
      (typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs))
    ) {
      throw new TypeError(
        `'kwargs' must be an object of arguments by name, got ${describe(kwargs)}`,
      );
    }
    if (name !== undefined && typeof name !== "string") {
      throw new TypeError(`'name' must be a string, got ${describe(name)}`);
    }
    if (daemon !== undefined && typeof daemon !== "boolean") {
      throw new TypeError(`'daemon' must be a boolean, got ${describe(daemon)}`);
    }
    if (module !== undefined && typeof module !== "string" && !(module instanceof URL)) {
      throw new TypeError(`'module' must be a URL or a URL string, got ${describe(module)}`);
    }
    const st = state();
    this.#identity = [...st.self.identity, ++st.counter];
    this.#name = name ?? `Process-${this.#identity.join(":")}`;
    this.#daemon = daemon ?? st.self.daemon;
    if (module !== undefined && !URL.canParse(String(module))) {
      throw new TypeError(
        `'module' must be an absolute URL such as import.meta.url, got ${describe(String(module))}`,
      );
    }
    this.#module = module === undefined ? undefined : new URL(module).href;
    this.#callers = callerModules();
    if (target) {
      this.#target = resolveTarget(target, this.#callers, this.#module);
      this.#args = encodeArgs(placeArgs(target, this.#target.source, args, kwargs), "args");
    } else {
      if (kwargs && Object.keys(kwargs).length > 0) {
        throw new TypeError("'kwargs' was given without a 'target'");
      }
      this.#args = encodeArgs(args, "args");
    }
  }

  /** The process's name: `"Process-N"` unless given; `"MainProcess"` for the main one. */
  get name(): string {
    return this.#name;
  }

  set name(value: string) {
    if (typeof value !== "string") {
      throw new TypeError(`'name' must be a string, got ${describe(value)}`);
    }
    this.#name = value;
  }

  /** Whether the process ends when the program ends; settable before `start()`. */
  get daemon(): boolean {
    return this.#daemon;
  }

  set daemon(value: boolean) {
    if (this.#started) throw new Error("Cannot set daemon: the process has already started");
    if (typeof value !== "boolean") {
      throw new TypeError(`'daemon' must be a boolean, got ${describe(value)}`);
    }
    this.#daemon = value;
  }

  /**
   * A number unique to the process in its tree; null before `start()`. The
   * main process has its OS pid; a child, which is a thread of the same OS
   * process, has a number no OS process can have (5,000,000 plus its slot in
   * the process table), so signalling it with `process.kill` fails with
   * `ESRCH` instead of reaching the program or another one. Stop a child
   * with `terminate()` or `kill()`.
   */
  get pid(): number | null {
    this.#checkOpen();
    return this.#pid;
  }

  /** Python's alias of {@linkcode Process.prototype.pid}. */
  get ident(): number | null {
    return this.pid;
  }

  /**
   * null while the process runs (or before it starts); then 0 after a
   * return, 1 after an uncaught error, the code given to `exit(code)`, -15
   * after `terminate()`, -9 after `kill()`.
   */
  get exitcode(): number | null {
    this.#checkOpen();
    return this.#slot < 0 ? null : slotExitCode(this.#slot);
  }

  /**
   * A handle that `connectionWait` reports ready once the process has ended
   * (Python's `sentinel`), so that one wait serves pipes, queues and
   * processes. The same object each time.
   *
   * @throws {Error} Before `start()`.
   */
  get sentinel(): Sentinel {
    this.#checkOpen();
    if (!this.#started) throw new Error("The process has not been started: it has no sentinel");
    return this.#sentinel ??= new Sentinel(this.#slot);
  }

  /** The child's uncaught error, rebuilt in this process, once it has ended with one. */
  get error(): Error | undefined {
    return this.#child?.error;
  }

  /**
   * What the process does; by default, calls `target` with its arguments.
   * Override it in a subclass (then export the subclass from its module).
   */
  run(): unknown {
    throw new Error("Process.run() runs in the child: call start() to run it");
  }

  /**
   * Starts the process in a new worker.
   *
   * @throws {ProcessClosedError} After `close()`.
   * @throws {Error} If called twice, from a daemon process,
   * or while a worker is still importing its modules (a missing
   * `if (import.meta.main)` guard), or in a single-file executable
   * (`deno compile`, `bun build --compile`), which has no files a worker
   * can load.
   */
  start(): void {
    this.#checkOpen();
    if (this.#started) throw new Error("Cannot start a process twice");
    const st = state();
    checkCanStart();
    const subclass = this.constructor !== Process &&
      (this.constructor as typeof Process).prototype.run !== Process.prototype.run;
    let target = this.#target ?? NOOP;
    let fields: unknown = {};
    if (subclass) {
      target = resolveTarget(
        this.constructor as (...args: never[]) => unknown,
        this.#callers,
        this.#module,
      );
      if (target.modules.length === 0) {
        throw new TypeError(
          `The Process subclass ${target.name} must be exported from its module, ` +
            "so that the worker can import it",
        );
      }
      fields = encodeArgs({ ...this }, "this");
    }
    this.#started = true;
    this.#slot = allocSlot(this.#name);
    this.#pid = CHILD_PID_BASE + this.#slot;
    const self: ProcessInfo = {
      name: this.#name,
      pid: this.#pid,
      slot: this.#slot,
      daemon: this.#daemon,
      identity: this.#identity,
    };
    const data: StartData = {
      table: tableBuffer(),
      memory: arenaBuffer(),
      self,
      parent: st.self,
      mainModule: st.mainModule,
      target,
      subclass,
      args: this.#args,
      fields,
    };
    const child = this.#child = new Child(data, this.#method);
    this.#done = child.done.then(() => void st.children.delete(this));
    st.children.add(this);
  }

  /**
   * Waits until the process ends, or until `timeout` ms pass (then it
   * returns with the process still running: check `exitcode` or
   * `isAlive()`, as in Python).
   *
   * @param options `timeout` in ms, `signal` to stop waiting.
   * @throws {Error} Before `start()`, or on the current process.
   * @throws {TypeError} For an unknown option or a `timeout` that is not a number.
   */
  async join(options?: JoinOptions): Promise<void> {
    const { deadline, signal } = this.#checkJoin("Process.join", options, TIMEOUT_SIGNAL);
    if (!this.#done) {
      // A parent seen from its child: wait on the process table.
      await waitExited(this.#slot, deadline, signal);
      return;
    }
    const done = this.#done;
    await this.#child!.keepAliveWhile(() => settledBy(done, deadline, signal));
  }

  /**
   * {@linkcode Process.prototype.join}, blocking the thread (meant for
   * worker code). It returns once the child has recorded its exit; a child
   * that crashed without recording it is seen only by the async `join()`.
   *
   * @param options `timeout` in ms.
   */
  joinSync(options?: Omit<JoinOptions, "signal">): void {
    waitExitedSync(this.#slot, this.#checkJoin("Process.joinSync", options, TIMEOUT).deadline);
  }

  #checkJoin(call: string, options: JoinOptions | undefined, keys: readonly string[]): Blocking {
    this.#checkOpen();
    const checked = blockingOptions(call, options, keys);
    if (!this.#started) throw new Error("Cannot join a process that has not been started");
    if (this.#adopted && this.#slot === state().self.slot) {
      throw new Error("Cannot join the current process");
    }
    return checked;
  }

  /** Whether the process has started and not yet ended. */
  isAlive(): boolean {
    this.#checkOpen();
    return this.#started && slotState(this.#slot) !== EXITED;
  }

  /** Stops the process now, even in a busy loop; `exitcode` becomes -15. */
  terminate(): void {
    this.#stop(-15);
  }

  /** Stops the process now; `exitcode` becomes -9. */
  kill(): void {
    this.#stop(-9);
  }

  #stop(code: number): void {
    this.#checkOpen();
    if (!this.#started) throw new Error("Cannot stop a process that has not been started");
    if (!this.#child) throw new Error("Only a child process can be stopped");
    this.#child.stop(code);
  }

  /**
   * Releases the process object; afterwards most of it throws.
   *
   * @throws {Error} While the process is still running.
   */
  close(): void {
    if (this.#closed) return;
    if (this.#started && !this.#adopted && slotState(this.#slot) !== EXITED) {
      throw new Error(
        "Cannot close a process while it is still running. Call join() or terminate() first",
      );
    }
    this.#closed = true;
  }

  /** `await using p = new Process(...)`: terminates the process if it still runs, then closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    if (this.#started && !this.#adopted) {
      if (this.isAlive()) this.terminate();
      await this.join();
    }
    this.close();
  }

  /**
   * Describes the process, as Python's repr does.
   *
   * @returns `<Process name='Process-1' pid=5000001 parent=5000000 stopped exitcode=0>`
   * (the status is `initial`, `started`, `stopped` or `closed`; -15 and -9
   * show as `SIGTERM` and `SIGKILL`).
   */
  toString(): string {
    const info = [this.constructor.name, `name='${this.#name}'`];
    if (this.#closed) info.push("closed");
    else {
      const code = this.#slot < 0 ? null : slotExitCode(this.#slot);
      if (this.#started) info.push(`pid=${this.#pid}`);
      if (!this.#started) info.push("initial");
      else info.push(code === null ? "started" : "stopped");
      if (code !== null) {
        info.push(`exitcode=${code === -15 ? "SIGTERM" : code === -9 ? "SIGKILL" : code}`);
      }
    }
    if (this.#daemon) info.push("daemon");
    return `<${info.join(" ")}>`;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ProcessClosedError();
  }
}

printAsString(Process);

Object.defineProperty(Process, PROCESS_BASE, { value: true });

const NOOP: TargetRef = { name: "", source: "() => {}", modules: [], isClass: false };

function adopt(info: ProcessInfo): Process {
  return new Process({ [ADOPT]: info } as ProcessOptions);
}

/**
 * The Process object of the code calling it: `MainProcess` in the main
 * program, the running child (its subclass instance, if it has one) in a
 * worker.
 *
 * @returns The current process.
 * @example Who am I?
 * ```ts
 * import { currentProcess } from "@tsmp/multiprocessing";
 * const p = currentProcess();
 * console.log(p.name, p.pid); // MainProcess 12345
 * ```
 */
export function currentProcess(): Process {
  const st = state();
  if (!(st.current instanceof Process)) st.current = adopt(st.self);
  return st.current as Process;
}

/**
 * The parent of the current process (with `name`, `pid`, `isAlive()` and
 * `join()`), or null in the main program.
 *
 * @returns The parent process, or null.
 * @example
 * ```ts
 * import { parentProcess } from "@tsmp/multiprocessing";
 * console.log(parentProcess()); // null in the main program
 * ```
 */
export function parentProcess(): Process | null {
  const parent = state().parent;
  return parent ? adopt(parent) : null;
}

/**
 * The children of the current process that are still running.
 *
 * @returns The live children, in the order they were started.
 * @example
 * ```ts
 * import { activeChildren } from "@tsmp/multiprocessing";
 * console.log(activeChildren().length); // 0
 * ```
 */
export function activeChildren(): Process[] {
  return [...state().children].filter((c): c is Process => c instanceof Process && c.isAlive());
}

/**
 * The number of logical CPUs, Python's `cpu_count()`.
 *
 * @returns A positive integer.
 * @example
 * ```ts
 * import { cpuCount } from "@tsmp/multiprocessing";
 * console.log(cpuCount() >= 1); // true
 * ```
 */
export function cpuCount(): number {
  return runtime.cpuCount();
}

/**
 * Ends the current process, as Python's `sys.exit(arg)`. In a child it
 * unwinds like an exception (`finally` blocks run) and the parent sees the
 * exit code; in the main program it ends the program (and its children).
 * The exit code is Python's: `arg` itself for an integer, 0 for nothing,
 * `null` or `false`, 1 for `true`; anything else (a message) is printed to
 * stderr and the code is 1.
 *
 * @param arg The exit code, or a message to print. @default {0}
 * @returns Never.
 * @example
 * ```ts
 * import { exit, Process } from "@tsmp/multiprocessing";
 *
 * export function quit(code: number) {
 *   exit(code);
 * }
 *
 * if (import.meta.main) {
 *   const p = new Process({ target: quit, args: [3] });
 *   p.start();
 *   await p.join();
 *   console.log(p.exitcode); // 3
 * }
 * ```
 */
export function exit(arg: number | boolean | string | null = 0): never {
  const code = arg === null || arg === undefined
    ? 0
    : typeof arg === "boolean"
    ? Number(arg)
    : Number.isInteger(arg)
    ? arg as number
    : 1;
  const message = code === arg || typeof arg === "boolean" || arg == null ? undefined : String(arg);
  if (workerSide.isWorker() && state().self.slot !== 0) throw new SystemExit(code, message);
  if (message !== undefined) console.error(message);
  return runtime.exitProgram(code);
}

export {
  getAllStartMethods,
  getStartMethod,
  setStartMethod,
  type SetStartMethodOptions,
  type StartMethod,
} from "./internal/process/start.ts";
import { printAsString } from "./internal/inspect.ts";
