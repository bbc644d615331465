/**
 * The worker bootstrap: the module every child process starts on. It takes
 * the start data from its parent, becomes that process (name, pid, slot in
 * the process table), imports the target, runs it, joins its own non-daemon
 * children, records its exit code and ends. It imports only internals, never
 * the public modules: the user's own imports bring those in.
 *
 * @module
 */

import { workerSide } from "../../runtime/mod.ts";
import { adoptTable, markAlive, markExited, slotExitCode } from "./table.ts";
import { adoptArena } from "../memory/arena.ts";
import { decodeArgs } from "../shareable.ts";
import { ADOPT, finishedWork, PROCESS_BASE, setThreadState, type ThreadState } from "./state.ts";
import { loadTarget } from "../target/load.ts";
import { errorText, serializeError, SystemExit } from "../errors.ts";
import type { ChildMessage, StartData } from "./protocol.ts";

function processBase(cls: unknown): (new (...args: unknown[]) => object) | undefined {
  for (let c = cls as { [PROCESS_BASE]?: boolean } | null; c; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, PROCESS_BASE)) return c as unknown as new (...args: unknown[]) => object;
  }
  return undefined;
}

async function main(): Promise<void> {
  workerSide.directOutput();
  const data = await workerSide.startData() as StartData;
  // A thread declared ended (terminated, killed) that still runs stops at
  // its next shared operation: ending the worker is uncatchable.
  adoptTable(data.table, data.self.slot, () => {
    workerSide.exitWorker(slotExitCode(data.self.slot) ?? -15);
  });
  adoptArena(data.memory);
  const state: ThreadState = {
    self: data.self,
    parent: data.parent,
    mainModule: data.mainModule,
    bootstrapping: true,
    counter: 0,
    children: new Set(),
    current: undefined,
  };
  setThreadState(state);
  let finished = false;
  const finish = (code: number, error?: unknown, reason?: string): void => {
    if (finished) return;
    finished = true;
    if (error !== undefined) report(data.self.name, error);
    // exit("message"): Python prints the message, not a traceback.
    if (reason !== undefined) console.error(reason);
    // Python's exit: the queues' feeders flushed, then the children joined.
    void finishedWork().then(() => endChildren(state)).finally(() => {
      markExited(data.self.slot, code);
      workerSide.endWorker(code);
    });
  };
  workerSide.onUncaught((error) => {
    if (error instanceof SystemExit) finish(error.code, undefined, error.reason);
    else finish(1, error);
  });
  workerSide.onExitCall((code) => markExited(data.self.slot, code));
  markAlive(data.self.slot);
  try {
    const args = await decodeArgs(data.args) as unknown[];
    const target = await loadTarget(data.target);
    if (data.subclass) {
      const Base = processBase(target);
      if (!Base) throw new TypeError(`${data.target.name} is not a Process subclass in the worker`);
      const self = Reflect.construct(Base, [{ [ADOPT]: data.self }], target) as {
        run(): unknown;
      };
      Object.assign(self, await decodeArgs(data.fields));
      state.current = self;
      state.bootstrapping = false;
      await self.run();
    } else {
      state.bootstrapping = false;
      await (data.target.isClass ? Reflect.construct(target, args) : target(...args));
    }
    finish(0);
  } catch (error) {
    if (error instanceof SystemExit) finish(error.code, undefined, error.reason);
    else finish(1, error);
  }

  function report(name: string, error: unknown): void {
    const text = error instanceof Error ? errorText(error) : String(error);
    console.error(`Process ${name}:\n${text}`);
    const message: ChildMessage = { type: "error", error: serializeError(error) };
    try {
      workerSide.postToParent(message);
    } catch {
      workerSide.postToParent({ type: "error", error: { name: "Error", message: String(error) } });
    }
  }
}

/** Python's exit handler: join non-daemon children, terminate daemon ones. */
async function endChildren(state: ThreadState): Promise<void> {
  for (const child of state.children) if (child.daemon) child.terminate();
  for (const child of state.children) if (!child.daemon) await child.join();
}

await main();
