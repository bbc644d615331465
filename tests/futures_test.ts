import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ALL_COMPLETED,
  asCompleted,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  ExecutorShutdownError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  wait,
} from "../futures.ts";
import { TimeoutError } from "../pool.ts";
import {
  add,
  exitNow,
  fail,
  getGreeting,
  init,
  slowSquare,
  square,
} from "./fixtures/pool_targets.ts";
import { collected } from "./_gc.ts";
import { activeChildren } from "../process.ts";
import {
  exitWith,
  initCounters,
  mul,
  tracked,
  unsendable,
} from "./fixtures/conformance_targets.ts";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("ProcessPoolExecutor", () => {
  test("submit returns awaitable futures with Python's methods", async () => {
    await using ex = new ProcessPoolExecutor(2);
    const f = ex.submit(add, 2, 3);
    assert.ok(f instanceof Future);
    assert.equal(await f.result({ timeout: 10_000 }), 5);
    assert.ok(f.done());
    assert.equal(f.running(), false);
    assert.equal(f.cancel(), false);
    assert.equal(await f.exception(), null);
    const bad = ex.submit(fail, "nope");
    assert.ok((await bad.exception()) instanceof RangeError);
    await assert.rejects(bad.result(), /nope/);
    const inline = ex.submit((x: number) => x + 1, 41);
    assert.equal(await inline.result(), 42);
  });

  test("asCompleted yields every future once it is done", async () => {
    await using ex = new ProcessPoolExecutor(2);
    const fs = [1, 2, 3, 4, 5].map((x) => ex.submit(square, x));
    const got: number[] = [];
    for await (const f of asCompleted(fs, { timeout: 10_000 })) got.push(await f.result());
    assert.deepEqual(got.sort((a, b) => a - b), [1, 4, 9, 16, 25]);
  });

  test("map returns values in order, zipping iterables, with chunksize", async () => {
    await using ex = new ProcessPoolExecutor(2);
    const out: number[] = [];
    for await (const v of ex.map(add, [1, 2, 3], [10, 20, 30, 40])) out.push(v);
    assert.deepEqual(out, [11, 22, 33]);
    const chunked: number[] = [];
    for await (const v of ex.map(square, [1, 2, 3, 4, 5], { chunksize: 2 })) chunked.push(v);
    assert.deepEqual(chunked, [1, 4, 9, 16, 25]);
  });

  test("map raises TimeoutError when a result is late", async () => {
    await using ex = new ProcessPoolExecutor(1);
    const it = ex.map(slowSquare, [1, 2], [300, 300], { timeout: 20 });
    // The message names the caller's timeout, however much of it was left
    // when the wait for the late result began.
    await assert.rejects(async () => {
      for await (const _ of it) { /* drain */ }
    }, { name: "TimeoutError", message: "map() result not ready after waiting 20 ms" });
    const late = ex.submit(slowSquare, 3, 300);
    await assert.rejects(late.result({ timeout: 20 }), {
      name: "TimeoutError",
      message: "Future not done after waiting 20 ms",
    });
    assert.equal(await late.result({ timeout: 30_000 }), 9);
  });

  test("a worker's death breaks the pool: pending futures and later submits fail", async () => {
    const ex = new ProcessPoolExecutor(1);
    const dying = ex.submit(exitNow, 3);
    const pending = ex.submit(slowSquare, 2, 5);
    await assert.rejects(dying.result({ timeout: 10_000 }), BrokenProcessPool);
    await assert.rejects(pending.result({ timeout: 10_000 }), BrokenProcessPool);
    assert.throws(() => ex.submit(square, 1), BrokenProcessPool);
    await ex.shutdown();
  });

  test("initializer runs in each worker", async () => {
    await using ex = new ProcessPoolExecutor(1, { initializer: init, initargs: ["hey"] });
    assert.equal(await ex.submit(getGreeting).result(), "hey");
  });

  test("shutdown waits, cancelFutures cancels what has not started, submit after throws", async () => {
    const ex = new ProcessPoolExecutor(1);
    const fs = [1, 2, 3, 4, 5, 6].map((x) => ex.submit(slowSquare, x, 50));
    await ex.shutdown({ cancelFutures: true });
    assert.ok(fs.every((f) => f.done()));
    assert.ok(fs.some((f) => f.cancelled()));
    await assert.rejects(fs.find((f) => f.cancelled())!.result(), CancelledError);
    assert.throws(() => ex.submit(square, 1), {
      name: "ExecutorShutdownError",
      message: "cannot schedule new futures after shutdown",
    });
  });

  test("bad input throws clear errors", async () => {
    assert.throws(() => new ProcessPoolExecutor(0), RangeError);
    assert.throws(() => new ProcessPoolExecutor("2" as never), {
      name: "TypeError",
      message: "'maxWorkers' must be a number, got \"2\"",
    });
    assert.throws(() => new ProcessPoolExecutor(1, { maxTasksPerChild: 0 }), {
      name: "RangeError",
      message: "'maxTasksPerChild' must be an integer of at least 1, got number 0",
    });
    assert.throws(() => new ProcessPoolExecutor(1, { initargs: 1 as never }), {
      name: "TypeError",
      message: "'initargs' must be an array, got number 1",
    });
    assert.throws(
      () => new ThreadPoolExecutor(1.5),
      /'maxWorkers' must be an integer of at least 1/,
    );
    await using ex = new ProcessPoolExecutor(1);
    assert.throws(() => ex.submit(5 as never), /'fn' must be a function/);
    assert.throws(() => ex.map(square, 5 as never), /must be an iterable/);
  });
});

describe("ThreadPoolExecutor", () => {
  test("runs closures on this thread with at most maxWorkers in flight", async () => {
    await using ex = new ThreadPoolExecutor(2);
    let active = 0;
    let peak = 0;
    const offset = 100;
    const job = async (x: number): Promise<number> => {
      peak = Math.max(peak, ++active);
      await sleep(5);
      active--;
      return x + offset;
    };
    const fs = [1, 2, 3, 4, 5].map((x) => ex.submit(job, x));
    assert.deepEqual(await Promise.all(fs.map((f) => f.result())), [101, 102, 103, 104, 105]);
    assert.equal(peak, 2);
  });

  test("map, asCompleted and wait work as with processes", async () => {
    await using ex = new ThreadPoolExecutor(4);
    const out: number[] = [];
    for await (const v of ex.map((x: number) => x * 2, [1, 2, 3])) out.push(v);
    assert.deepEqual(out, [2, 4, 6]);
    const fast: Future<unknown> = ex.submit(() => sleep(1).then(() => "fast"));
    const slow: Future<unknown> = ex.submit(() => sleep(300).then(() => "slow"));
    const first = await wait([fast, slow], { returnWhen: FIRST_COMPLETED });
    assert.ok(first.done.has(fast));
    const failing: Future<unknown> = ex.submit(() => {
      throw new Error("x");
    });
    const fe = await wait([slow, failing], { returnWhen: FIRST_EXCEPTION });
    assert.ok(fe.done.has(failing));
    const all = await wait([fast, slow, failing], { returnWhen: ALL_COMPLETED });
    assert.equal(all.notDone.size, 0);
    const late = ex.submit(() => sleep(200));
    const partial = await wait([late], { timeout: 10 });
    assert.equal(partial.notDone.size, 1);
    await assert.rejects(async () => {
      for await (const _ of asCompleted([ex.submit(() => sleep(200))], { timeout: 10 })) {
        // never
      }
    }, /1 \(of 1\) futures unfinished/);
  });

  test("shutdown waits for the calls in flight", async () => {
    const ex = new ThreadPoolExecutor(1);
    const f = ex.submit(() => sleep(30).then(() => "late"));
    await ex.shutdown();
    assert.ok(f.done());
    assert.throws(() => ex.submit(() => 1), ExecutorShutdownError);
  });

  test("cancel stops a queued call; a running one cannot be cancelled", async () => {
    await using ex = new ThreadPoolExecutor(1);
    const running = ex.submit(() => sleep(20));
    const queued = ex.submit(() => "never");
    assert.equal(queued.cancel(), true);
    assert.ok(queued.cancelled());
    assert.equal(running.cancel(), false);
    const seen: boolean[] = [];
    queued.addDoneCallback((f) => seen.push(f.cancelled()));
    assert.deepEqual(seen, [true]);
    await running.result();
  });
});

describe("ThreadPoolExecutor initializer", () => {
  test("runs once per worker with initargs before that worker's first call", async () => {
    const seen: string[] = [];
    let ready = 0;
    const ex = new ThreadPoolExecutor(2, {
      initializer: async (tag: string) => {
        await sleep(5);
        seen.push(tag);
        ready++;
      },
      initargs: ["init"],
    });
    const fs = [1, 2, 3, 4, 5].map((x) => ex.submit(() => [x, ready] as const));
    const results = await Promise.all(fs.map((f) => f.result({ timeout: 30_000 })));
    await ex.shutdown();
    assert.deepEqual(seen, ["init", "init"]);
    for (const [, readyWhenRun] of results) assert.ok(readyWhenRun >= 1);
    assert.deepEqual(results.map(([x]) => x), [1, 2, 3, 4, 5]);
  });

  test("an idle worker is reused: sequential calls start one worker", async () => {
    let workers = 0;
    const ex = new ThreadPoolExecutor(4, { initializer: () => void workers++ });
    for (let i = 0; i < 3; i++) await ex.submit((x: number) => x * 2, i).result();
    assert.equal(workers, 1);
    await ex.shutdown();
  });

  test("a failing initializer breaks the executor: pending and later calls fail", async () => {
    const ex = new ThreadPoolExecutor(1, {
      initializer: () => {
        throw new Error("no init");
      },
    });
    const fs = [ex.submit(() => 1), ex.submit(() => 2)];
    for (const f of fs) {
      await assert.rejects(f.result({ timeout: 30_000 }), (error: unknown) => {
        assert.ok(error instanceof BrokenThreadPool);
        assert.equal((error.cause as Error).message, "no init");
        return true;
      });
    }
    assert.throws(() => ex.submit(() => 3), BrokenThreadPool);
    await ex.shutdown();
  });

  test("bad initializer, initargs or option keys are TypeErrors", () => {
    assert.throws(() => new ThreadPoolExecutor(1, { initializer: 5 as never }), /'initializer'/);
    assert.throws(() => new ThreadPoolExecutor(1, { initargs: 5 as never }), /'initargs'/);
    assert.throws(
      () => new ThreadPoolExecutor(1, { threadNamePrefix: "x" } as never),
      /Unknown option 'threadNamePrefix' of new ThreadPoolExecutor/,
    );
  });
});

describe("The executors keep nothing they no longer need", () => {
  test("map drops each value once it is handed out", async () => {
    const ex = new ThreadPoolExecutor(2);
    const it = ex.map((i: number) => ({ i }), [0, 1, 2, 3, 4, 5]);
    // A helper, so that no temporary of this test's own frame holds the value.
    const nextRef = async (i: number) => {
      const step = await it.next();
      assert.equal(step.value.i, i);
      return new WeakRef(step.value);
    };
    for (let i = 0; i < 6; i++) {
      assert.ok(await collected([await nextRef(i)]), `value ${i} is still referenced`);
    }
    assert.equal((await it.next()).done, true);
    await ex.shutdown();
  });

  test("asCompleted drops each future once it is handed out, also on timeout", async () => {
    const ex = new ThreadPoolExecutor(4);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const pending = [ex.submit(() => gate), ex.submit(() => gate)];
    // Helpers, so that no temporary of this test's own frame holds the future
    // (JavaScriptCore keeps those of an async function across its awaits).
    const start = async () => {
      const finished = ex.submit(() => ({ big: new Array(100).fill(1) }));
      await finished.result();
      return {
        ref: new WeakRef(finished),
        it: asCompleted([...pending, finished], { timeout: 50 }),
      };
    };
    const { ref, it } = await start();
    const yieldedIt = async () => (await it.next()).value === ref.deref();
    assert.equal(await yieldedIt(), true);
    assert.ok(await collected([ref]), "the yielded future is still referenced");
    await assert.rejects(it.next(), TimeoutError);
    open();
    await ex.shutdown();
  });
});

describe("ProcessPoolExecutor as Python's", () => {
  test("workers start on demand and idle ones are reused", async () => {
    const before = activeChildren().length;
    const ex = new ProcessPoolExecutor(4);
    assert.equal(activeChildren().length, before);
    for (const [a, b] of [[21, 2], [6, 7], [3, 14]]) {
      assert.equal(await ex.submit(mul, a, b).result({ timeout: 30_000 }), 42);
    }
    assert.equal(activeChildren().length - before, 1);
    await ex.shutdown();
  });

  test("maxTasksPerChild never runs more than maxWorkers calls at once", async () => {
    const counters = new Int32Array(new SharedArrayBuffer(8));
    const ex = new ProcessPoolExecutor(1, {
      maxTasksPerChild: 1,
      initializer: initCounters,
      initargs: [counters],
    });
    // Calls longer than a worker's start-up, so that an early replacement would overlap.
    const fs = [400, 400, 400, 400].map((ms) => ex.submit(tracked, ms));
    const pids = await Promise.all(fs.map((f) => f.result({ timeout: 30_000 })));
    assert.equal(counters[1], 1, "calls ran at once");
    assert.equal(new Set(pids).size, 4);
    await ex.shutdown();
  });

  test("exit() in a call fails only that call, with SystemExit; the executor goes on", async () => {
    const ex = new ProcessPoolExecutor(1);
    const f = ex.submit(exitWith, 3);
    await assert.rejects(f.result({ timeout: 30_000 }), (error: Error) => {
      assert.equal(error.name, "SystemExit");
      assert.equal((error as Error & { code: number }).code, 3);
      return true;
    });
    assert.equal(await ex.submit(mul, 6, 7).result({ timeout: 30_000 }), 42);
    await ex.shutdown();
  });

  test("a result that cannot be sent fails its call with the codec's own error", async () => {
    const ex = new ProcessPoolExecutor(1);
    await assert.rejects(ex.submit(unsendable).result({ timeout: 30_000 }), (error: Error) => {
      assert.equal(error.name, "TypeError");
      assert.match(error.message, /function/);
      return true;
    });
    assert.equal(await ex.submit(mul, 2, 3).result({ timeout: 30_000 }), 6);
    await ex.shutdown();
  });
});
