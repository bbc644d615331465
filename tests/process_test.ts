import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  activeChildren,
  cpuCount,
  currentProcess,
  getAllStartMethods,
  getStartMethod,
  parentProcess,
  Process,
  ProcessClosedError,
  ProcessError,
  setStartMethod,
} from "../process.ts";
import {
  busyLoop,
  counter,
  describeSelf,
  fail,
  failLater,
  Labeller,
  makeHidden,
  nested,
  noop,
  quit,
  Recorder,
  rendezvous,
  reportCompileCache,
  reportGlobal,
  reportYoungGeneration,
  sleep,
  sumInto,
} from "./fixtures/process_targets.ts";
import { runAndJoin } from "./fixtures/spawner.ts";
import { mark, spawnHolder } from "./fixtures/conformance_targets.ts";
import { AbandonedLockError, Lock } from "../lock.ts";
import { EOFError, Pipe } from "../pipe.ts";
import { runScript, withBusy } from "./_run.ts";

const BOUND = { timeout: 20_000 };

async function run(p: Process): Promise<Process> {
  p.start();
  await p.join(BOUND);
  assert.equal(p.isAlive(), false, `${p.name} still alive after its join bound`);
  return p;
}

describe("Process lifecycle", () => {
  test("two processes run at the same time and are both joined", async () => {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const ps = [0, 1].map((i) => new Process({ target: rendezvous, args: [flags, i] }));
    for (const p of ps) p.start();
    for (const p of ps) await p.join(BOUND);
    assert.deepEqual(ps.map((p) => p.exitcode), [0, 0]);
    assert.deepEqual([...flags], [1, 1]);
  });

  test("exitcode is null before start and while running, 0 after a return", async () => {
    const p = new Process({ target: sleep, args: [200] });
    assert.equal(p.exitcode, null);
    assert.equal(p.pid, null);
    assert.equal(p.isAlive(), false);
    p.start();
    assert.equal(p.isAlive(), true);
    assert.equal(p.exitcode, null);
    assert.equal(typeof p.pid, "number");
    await p.join(BOUND);
    assert.equal(p.exitcode, 0);
    assert.equal(p.error, undefined);
  });

  test("a thrown error gives exitcode 1 and the child's error class, message and stack", async () => {
    const p = await run(new Process({ target: fail, args: ["bad input"] }));
    assert.equal(p.exitcode, 1);
    assert.ok(p.error instanceof TypeError);
    assert.equal(p.error.message, "bad input");
    assert.match(p.error.stack ?? "", /fail/);
  });

  test("a rejected async target gives exitcode 1", async () => {
    const p = await run(new Process({ target: failLater, args: ["late"] }));
    assert.equal(p.exitcode, 1);
    assert.ok(p.error instanceof RangeError);
    assert.equal(p.error.message, "late");
  });

  test("exit(n) gives exitcode n and runs finally blocks", async () => {
    const p = await run(new Process({ target: quit, args: [3] }));
    assert.equal(p.exitcode, 3);
    assert.equal(p.error, undefined);
  });

  test("terminate() stops a busy loop with exitcode -15", () =>
    withBusy(async (release) => {
      const p = new Process({ target: busyLoop, args: [release] });
      p.start();
      await sleep(50);
      p.terminate();
      await p.join(BOUND);
      assert.equal(p.exitcode, -15);
      assert.equal(p.isAlive(), false);
    }));

  test("kill() stops a busy loop with exitcode -9", () =>
    withBusy(async (release) => {
      const p = new Process({ target: busyLoop, args: [release] });
      p.start();
      await sleep(50);
      p.kill();
      await p.join(BOUND);
      assert.equal(p.exitcode, -9);
    }));

  test("terminate() after the process ended keeps its exit code", async () => {
    const p = await run(new Process({ target: noop }));
    p.terminate();
    assert.equal(p.exitcode, 0);
  });

  test("join() with a timeout returns while the process still runs", () =>
    withBusy(async (release) => {
      const p = new Process({ target: busyLoop, args: [release] });
      p.start();
      await p.join({ timeout: 30 });
      assert.equal(p.isAlive(), true);
      assert.equal(p.exitcode, null);
      p.kill();
      await p.join(BOUND);
      assert.equal(p.exitcode, -9);
    }));

  test("join() stops waiting when its signal aborts", () =>
    withBusy(async (release) => {
      const p = new Process({ target: busyLoop, args: [release] });
      p.start();
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("stop waiting")), 30);
      await assert.rejects(p.join({ signal: controller.signal }), /stop waiting/);
      p.kill();
      await p.join(BOUND);
    }));

  test("joinSync() blocks until the child has exited", async () => {
    const p = new Process({ target: sleep, args: [50] });
    p.start();
    p.joinSync(BOUND);
    assert.equal(p.exitcode, 0);
    await p.join(BOUND);
  });

  test("await using terminates a running process and closes it", () =>
    withBusy(async (release) => {
      let held: Process;
      {
        await using p = new Process({ target: busyLoop, args: [release] });
        p.start();
        held = p;
      }
      assert.throws(() => held.exitcode, /closed/);
    }));

  test("close() throws while running, then makes the object unusable", async () => {
    const p = new Process({ target: sleep, args: [100] });
    p.start();
    assert.throws(() => p.close(), /still running/);
    await p.join(BOUND);
    p.close();
    assert.throws(() => p.pid, ProcessClosedError);
    assert.throws(() => p.isAlive(), {
      name: "ProcessClosedError",
      message: "Process object is closed",
    });
  });
});

describe("Process arguments and targets", () => {
  test("a worker on Node or Deno gets a 24 MB young generation (Bun reports none)", async () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const p = await run(new Process({ target: reportYoungGeneration, args: [out] }));
    assert.equal(p.exitcode, 0);
    assert.equal(out[0], "Bun" in globalThis ? -1 : 24);
  });

  test("a worker on Node uses Node's module compile cache (Deno and Bun have their own)", async () => {
    const out = new Uint8Array(new SharedArrayBuffer(1024));
    const p = await run(new Process({ target: reportCompileCache, args: [out] }));
    assert.equal(p.exitcode, 0);
    const dir = JSON.parse(new TextDecoder().decode(out.slice(0, out.indexOf(0))));
    if ("Deno" in globalThis || "Bun" in globalThis || process.env.NODE_DISABLE_COMPILE_CACHE) {
      assert.equal(dir, null);
    } else {
      const { tmpdir } = process.getBuiltinModule("node:os");
      const { join } = process.getBuiltinModule("node:path");
      const base = process.env.NODE_COMPILE_CACHE || join(tmpdir(), "node-compile-cache");
      assert.ok(typeof dir === "string" && dir.startsWith(base), `cache folder ${dir}`);
    }
  });

  test("args and kwargs reach the target by position and by name", async () => {
    const out = new Float64Array(new SharedArrayBuffer(8));
    await run(new Process({ target: sumInto, args: [out, 1], kwargs: { b: 20 } }));
    assert.equal(out[0], 121);
    await run(new Process({ target: sumInto, args: [out], kwargs: { c: 3, a: 1, b: 2 } }));
    assert.equal(out[0], 6);
  });

  test("a Process subclass is rebuilt in the child with its fields and runs run()", async () => {
    const out = new Float64Array(new SharedArrayBuffer(16));
    const p = await run(new Recorder(out, 21));
    assert.equal(p.exitcode, 0);
    assert.deepEqual([...out], [42, 1]);
  });

  test("an inline function with no free names runs from its source", async () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const p = await run(new Process({ target: (o: Int32Array) => void (o[0] = 7), args: [out] }));
    assert.equal(p.exitcode, 0);
    assert.equal(out[0], 7);
  });

  test("an inline function that uses a free name fails saying which name and to export it", async () => {
    // Not a constant: Bun's transpiler would fold a constant into the source.
    const factor = Math.floor(Math.random() * 10) + 1;
    const p = await run(new Process({ target: (x: number) => x * factor, args: [1] }));
    assert.equal(p.exitcode, 1);
    assert.match(p.error?.message ?? "", /'factor'/);
    assert.match(p.error?.message ?? "", /Export the function/);
  });

  test("a function sent by source runs strict: called alone, its 'this' is undefined", async () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const p = await run(
      new Process({
        target: function (this: unknown, o: Int32Array) {
          o[0] = this === undefined ? 1 : 2;
        },
        args: [out],
      }),
    );
    assert.equal(p.exitcode, 0);
    assert.equal(out[0], 1);
  });

  test("a method given as target without its object fails saying so, as seed 002 would", async () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const labeller = new Labeller();
    const p = await run(new Process({ target: labeller.run, args: [out] }));
    assert.equal(p.exitcode, 1);
    assert.equal(out[0], 0);
    assert.equal(p.error?.name, "TypeError");
    assert.match(p.error?.message ?? "", /^run is a method, sent to the worker by its source text/);
    assert.match(p.error?.message ?? "", /'this' is undefined there/);
    // One that does not use its object runs.
    const q = await run(new Process({ target: labeller.twice, args: [out, 21] }));
    assert.equal(q.exitcode, 0);
    assert.equal(out[0], 42);
  });

  test("each process has its own module globals", async () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    await run(new Process({ target: reportGlobal, args: [out] }));
    assert.equal(out[0], 72);
    await run(new Process({ target: reportGlobal, args: [out] }));
    assert.equal(out[0], 72);
    assert.equal(counter, 71);
  });

  test("a process started from a helper module finds a target that lives elsewhere", async () => {
    assert.equal(await runAndJoin(noop, []), 0);
  });

  test("names, pids, the parent and nested children are Python's", async () => {
    const out = new Uint8Array(new SharedArrayBuffer(256));
    const p = await run(new Process({ target: describeSelf, args: [out], name: "Named" }));
    const text = new TextDecoder().decode(out.slice(0, out.indexOf(0)));
    const facts = JSON.parse(text);
    assert.equal(facts.name, "Named");
    assert.equal(facts.pid, p.pid);
    assert.equal(facts.parent, "MainProcess");
    assert.notEqual(p.pid, currentProcess().pid);
    const n = await run(new Process({ target: nested }));
    assert.equal(n.exitcode, 0);
    assert.match(new Process().name, /^Process-\d+$/);
  });

  test("currentProcess, parentProcess, activeChildren and cpuCount in the main program", async () => {
    assert.equal(currentProcess().name, "MainProcess");
    assert.equal(parentProcess(), null);
    assert.ok(Number.isInteger(cpuCount()) && cpuCount() >= 1);
    const p = new Process({ target: sleep, args: [100] });
    p.start();
    assert.ok(activeChildren().includes(p));
    await p.join(BOUND);
    assert.ok(!activeChildren().includes(p));
  });
});

describe("Start methods", () => {
  test("spawn is the default; forkserver is the other; fork cannot exist", () => {
    assert.equal(getStartMethod(), "spawn");
    assert.deepEqual(getAllStartMethods(), ["spawn", "forkserver"]);
    assert.throws(() => setStartMethod("fork" as never), {
      name: "RangeError",
      message: /'method' must be "spawn" or "forkserver".*cannot be forked/,
    });
  });

  test("forkserver runs processes on warm workers with the same semantics", async () => {
    setStartMethod("forkserver", { force: true });
    try {
      assert.throws(() => setStartMethod("spawn"), /already been set/);
      const out = new Float64Array(new SharedArrayBuffer(8));
      for (let i = 0; i < 3; i++) {
        const p = await run(new Process({ target: sumInto, args: [out, i, 10], kwargs: { c: 0 } }));
        assert.equal(p.exitcode, 0);
        assert.equal(out[0], i + 10);
      }
      const failed = await run(new Process({ target: fail, args: ["warm"] }));
      assert.equal(failed.exitcode, 1);
      assert.equal(failed.error?.message, "warm");
      await withBusy(async (release) => {
        const busy = new Process({ target: busyLoop, args: [release] });
        busy.start();
        await sleep(30);
        busy.kill();
        await busy.join(BOUND);
        assert.equal(busy.exitcode, -9);
      });
    } finally {
      // Ends the warm worker, which Deno's sanitizers would count as a leak.
      setStartMethod("spawn", { force: true });
    }
    assert.equal(getStartMethod(), "spawn");
  });
});

describe("The forkserver start method", () => {
  test("start() never creates a worker inline: the event loop runs between spawns", async () => {
    setStartMethod("forkserver", { force: true });
    try {
      const flags = new Int32Array(new SharedArrayBuffer(4 * 8));
      let ranWhenTimerFired = -1;
      setTimeout(() => (ranWhenTimerFired = flags.reduce((n, f) => n + f, 0)), 0);
      const ps = [...flags.keys()].map((i) => new Process({ target: mark, args: [flags, i] }));
      for (const p of ps) p.start();
      for (const p of ps) await p.join(BOUND);
      assert.deepEqual(ps.map((p) => p.exitcode), ps.map(() => 0));
      assert.deepEqual([...flags], ps.map(() => 1));
      // Spawned inline, the workers would have been running long before the
      // timer (due at once) could fire; queued, at most the warm one could.
      assert.ok(ranWhenTimerFired >= 0 && ranWhenTimerFired <= 1, `${ranWhenTimerFired} ran`);
    } finally {
      setStartMethod("spawn", { force: true });
    }
  });
});

describe("A process's own children", () => {
  test("end with it when it is terminated: their locks are abandoned, their pipe ends closed", async () => {
    const lock = new Lock();
    const [reader, writer] = Pipe<number>(false);
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const child = new Process({ target: spawnHolder, args: [lock, writer, ready] });
    child.start();
    writer.close();
    for (let i = 0; i < 400 && Atomics.load(ready, 0) === 0; i++) await sleep(50);
    assert.equal(Atomics.load(ready, 0), 1, "the grandchild never took the lock");
    child.terminate();
    await child.join(BOUND);
    assert.equal(child.exitcode, -15);
    await assert.rejects(lock.acquire({ timeout: 5000 }), (error: Error) => {
      assert.ok(error instanceof AbandonedLockError);
      assert.match(error.message, /exit code -15/);
      return true;
    });
    await assert.rejects(reader.recv({ timeout: 5000 }), EOFError);
    assert.equal(await lock.acquire({ timeout: 5000 }), true);
    lock.release();
    reader.close();
  });
});

describe("Process bad input", () => {
  test("a target that is not a function is a TypeError naming 'target'", () => {
    assert.throws(() => new Process({ target: 42 as never }), {
      name: "TypeError",
      message: "'target' must be a function, got number 42",
    });
  });

  test("args that is not an array is a TypeError naming 'args'", () => {
    assert.throws(() => new Process({ target: noop, args: "x" as never }), {
      name: "TypeError",
      message: /^'args' must be an array/,
    });
  });

  test("an argument that cannot be sent names its path and why", () => {
    // Typed as taking anything: the checks under test are the runtime ones.
    const noop = anything;
    assert.throws(
      () => new Process({ target: noop, args: [1, { handler: () => {} }] }),
      {
        name: "TypeError",
        message: /^args\[1\]\.handler is the function handler, which cannot be sent to a worker/,
      },
    );
    assert.throws(() => new Process({ target: noop, args: [[Symbol("s")]] }), {
      name: "TypeError",
      message: /^args\[0\]\[0\] is a symbol/,
    });
    class Point {
      x = 1;
    }
    assert.throws(() => new Process({ target: noop, args: [new Point()] }), {
      name: "TypeError",
      message: /^args\[0\] is a Point instance, which would lose its methods/,
    });
  });

  test("a kwarg that is not a parameter lists the parameters", () => {
    assert.throws(() => new Process({ target: sumInto, kwargs: { d: 1 } }), {
      name: "TypeError",
      message: /'d', which is not a parameter of sumInto \(its parameters: out, a, b, c\)/,
    });
  });

  test("start() twice, join() before start(), and bad timeouts are errors", async () => {
    const p = new Process({ target: noop });
    await assert.rejects(p.join(), /not been started/);
    p.start();
    assert.throws(() => p.start(), /Cannot start a process twice/);
    await assert.rejects(p.join({ timeout: "5" as never }), TypeError);
    await assert.rejects(p.join({ timeot: 5 } as never), /Unknown option 'timeot' of Process.join/);
    await p.join(BOUND);
  });

  test("a Process subclass that is not exported cannot start", () => {
    assert.throws(() => makeHidden().start(), /must be exported from its module/);
  });

  test("daemon cannot change after start()", async () => {
    const p = new Process({ target: noop });
    p.start();
    assert.throws(() => (p.daemon = true), /already started/);
    await p.join(BOUND);
  });
});

function anything(..._args: unknown[]): void {}

describe("Process whole programs", () => {
  test("a program without the main guard fails in the child with Python's error", async () => {
    const { stdout, stderr, code } = await runScript("./fixtures/scripts/unguarded.ts");
    assert.equal(code, 0);
    assert.match(stderr, /Process Process-1:\n.*bootstrapping phase/);
    assert.match(stderr, /if \(import\.meta\.main\)/);
    assert.equal(stdout.trim(), "exitcode 1");
  });

  test("exit(arg) follows sys.exit: false, null are 0, true is 1, a message is printed, code 1", async () => {
    const { stdout, stderr, code } = await runScript("./fixtures/scripts/exit_codes.ts");
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), "0 1 0 0 4 1");
    assert.match(stderr, /^some reason$/m);
    assert.doesNotMatch(stderr, /TypeError|Process Process-/);
  });

  test("non-daemon children keep the program alive; daemon children end with it", async () => {
    const { stdout, code } = await runScript("./fixtures/scripts/lifetimes.ts");
    assert.equal(code, 0);
    assert.deepEqual(stdout.trim().split("\n"), ["main finished", "child finished"]);
  });

  test("joining a daemon child from a top-level await waits for it", async () => {
    const { stdout, code } = await runScript("./fixtures/scripts/daemon_join.ts");
    assert.equal(code, 0);
    assert.deepEqual(stdout.trim().split("\n"), ["daemon child done", "joined 0"]);
  });

  test("a child's uncaught error is printed as `Process <name>:` and its stack", async () => {
    const { stdout, stderr } = await runScript("./fixtures/scripts/crash.ts");
    assert.match(stderr, /^Process Crasher:\nTypeError: boom\n\s+at fail/m);
    assert.equal(stdout.trim(), "exitcode 1 TypeError: boom");
  });

  test("the modules that create processes are never imported by the children", async () => {
    const { stdout, stderr, code } = await runScript("./fixtures/scripts/no_reimport.ts");
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trim().split("\n"), [
      "script top level in MainProcess",
      "hello a from Process-1",
      "exit 0",
      "hello b from Process-2",
      "exit 0",
    ]);
  });

  test("ProcessError stands for a child error of a class this process lacks", () => {
    const error = new ProcessError("remote");
    assert.equal(error.name, "ProcessError");
    assert.ok(error instanceof Error);
  });
});
