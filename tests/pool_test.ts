import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AsyncResult,
  BrokenPoolError,
  Pool,
  PoolNotRunningError,
  StopIteration,
  TimeoutError,
  WorkerLostError,
} from "../pool.ts";
import { Queue } from "../queue.ts";
import { Barrier, Event } from "../lock.ts";
import { runScript, withBusy } from "./_run.ts";
import {
  add,
  argInfo,
  busy,
  exitNow,
  fail,
  failBuiltin,
  failCustom,
  failOn,
  getGreeting,
  init,
  initEcho,
  initFails,
  initMeeting,
  meet,
  pidOf,
  putItem,
  returnsFunction,
  sameAsLast,
  sharedInside,
  slowSquare,
  square,
  throughQueue,
  whoAmI,
} from "./fixtures/pool_targets.ts";
import { identity, initCounters, tracked } from "./fixtures/conformance_targets.ts";
import { collected } from "./_gc.ts";

async function* countTo(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    await null;
    yield i;
  }
}

describe("Pool", () => {
  test("map of an exported function returns the values in order", async () => {
    await using pool = new Pool(2);
    assert.deepEqual(await pool.map(square, [1, 2, 3, 4]), [1, 4, 9, 16]);
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    assert.deepEqual(await pool.map(square, xs, 1), xs.map((x) => x * x));
    assert.deepEqual(await pool.map(square, xs, 7), xs.map((x) => x * x));
    assert.deepEqual(await pool.map(square, []), []);
  });

  test("map of a self-contained inline function works", async () => {
    await using pool = new Pool(2);
    assert.deepEqual(await pool.map((x: number) => x * 10, [1, 2, 3]), [10, 20, 30]);
    assert.deepEqual(await pool.map((s: string) => s.toUpperCase(), "abc"), ["A", "B", "C"]);
  });

  test("an inline function using a free variable fails saying which name and to export it", async () => {
    await using pool = new Pool(1);
    const factor = 3;
    await assert.rejects(pool.apply((x: number) => x * factor, [2]), (error: Error) => {
      assert.equal(error.name, "ReferenceError");
      assert.match(error.message, /'factor'/);
      assert.match(error.message, /[Ee]xport/);
      return true;
    });
    assert.equal(await pool.apply(square, [3]), 9, "the pool goes on");
  });

  test("map's chunks and results carry values exactly as structuredClone does", async () => {
    await using pool = new Pool(2);
    const shared = { shared: true };
    const numbers = [0, -0, NaN, Infinity, -Infinity, 1.5, 2 ** 53, -(2 ** 31), 2 ** 32, 1e-300];
    const values: unknown[] = [
      ...numbers,
      ...numbers.map((n) => [n, n, n, n, n, n, n, n, n]),
      Object.assign([1, 2, 3, 4, 5, 6, 7, 8, 9], { extra: "kept" }),
      [1, 2, 3, 4, 5, 6, 7, 8, "then a string", undefined, null, 3n],
      "a\ud800b",
      "\udc00",
      "日本語 and ascii",
      { id: 1, name: "a", score: 2 },
      { id: 2, name: "b", score: -0 },
      { score: 3, id: 3, name: "c" },
      { id: 4 },
      Object.assign(Object.create(null), { id: 5, name: "no prototype" }),
      JSON.parse('{"__proto__": 6, "id": 6}'),
      { nested: { id: 7, list: [shared, shared] } },
      new Date(0),
      new Map([[1, shared]]),
      true,
      null,
      undefined,
      10n ** 30n,
    ];
    const expected = values.map((v) => structuredClone(v));
    for (const chunksize of [undefined, 1, 3, values.length]) {
      assert.deepStrictEqual(await pool.map(identity, values, chunksize), expected);
    }
    // A long run of numbers, and one that stops part way (a chunk of several kinds).
    const many = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? -i / 3 : i));
    assert.deepStrictEqual(await pool.map(identity, many), many);
    many[4321] = "four thousand" as unknown as number;
    assert.deepStrictEqual(await pool.map(identity, many), many);
    // Holes in the input are read as undefined, as Python has no holes to keep.
    // deno-lint-ignore no-sparse-arrays
    const holes = [1, , 3, , 5, 6, 7, 8, 9, 10];
    const out = await pool.map(identity, holes);
    assert.deepStrictEqual(out, [1, undefined, 3, undefined, 5, 6, 7, 8, 9, 10]);
    assert.ok(1 in out);
  });

  test("each item reaches the worker on its own: two items that are one object arrive as two", async () => {
    await using pool = new Pool(1);
    const a = { id: 1, name: "a" };
    // One chunk: in Python the chunk is one pickle and the second `a` is
    // the first; here each item is sent alone, as with chunksize 1.
    assert.deepEqual(await pool.map(sameAsLast, [a, a, a], 3), [false, false, false]);
    // Within one item, one object stays one object (and a cycle a cycle).
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    assert.deepEqual(
      await pool.map(sharedInside, [{ pair: [a, a], cycle }, { pair: [a, a], cycle }]),
      [
        true,
        true,
      ],
    );
  });

  test("starmap passes each argument list as it is: any length, holes as undefined", async () => {
    await using pool = new Pool(2);
    const o = { o: 1 };
    // deno-lint-ignore no-sparse-arrays
    const lists = [[1], [1, 2], [], [o, o], [1, , 3], [o, { o: 1 }]];
    const expected = [[1, false], [2, false], [0, false], [2, true], [3, false], [2, false]];
    for (const chunksize of [undefined, 1, 2]) {
      assert.deepStrictEqual(await pool.starmap(argInfo, lists, chunksize), expected);
    }
    const pairs = Array.from(
      { length: 3000 },
      (_, i): [number, number] => [i, i % 5 === 0 ? -0 : i + 0.5],
    );
    assert.deepStrictEqual(
      await pool.starmap(add, pairs),
      pairs.map(([a, b]) => a + b),
    );
    // One pair's first argument a string: the numbers stop there, and go on after it.
    const mixed = pairs.map(([a, b], i) => (i === 1501 ? [String(a), b] : [a, b])) as [
      number,
      number,
    ][];
    assert.deepStrictEqual(await pool.starmap(add, mixed), mixed.map(([a, b]) => a + b));
    assert.equal((await pool.starmap(add, mixed))[1501], "15011501.5");
    // Each chunk is read from the whole input: every chunk's rows, in order,
    // and one that cannot be sent named by its place in the whole input.
    for (const chunksize of [1, 7, 999, 3000]) {
      assert.deepStrictEqual(
        await pool.starmap(add, pairs, chunksize),
        pairs.map(([a, b]) => a + b),
      );
    }
    const bad = pairs.map(([a, b], i) => (i === 2222 ? [a, Symbol("s")] : [a, b]));
    await assert.rejects(
      pool.starmap(add, bad as never),
      /^TypeError: items\[2222\]\[1\] is a symbol/,
    );
  });

  test("a chunk's items are read as they run: a task that sends and receives messages between them", async () => {
    const q = new Queue<unknown>();
    await using pool = new Pool({ processes: 2, initializer: initEcho, initargs: [q] });
    const rows = Array.from({ length: 600 }, (_, i) => ({ a: i, b: 2 * i }));
    for (const chunksize of [undefined, 7, 600]) {
      assert.deepStrictEqual(
        await pool.map(throughQueue, rows, chunksize),
        rows.map((row) => 3 * row.a),
      );
    }
  });

  test("map accepts async iterables", async () => {
    await using pool = new Pool(2);
    assert.deepEqual(await pool.map(square, countTo(5)), [0, 1, 4, 9, 16]);
  });

  test("apply, kwds and starmap place arguments", async () => {
    await using pool = new Pool(2);
    assert.equal(await pool.apply(add, [2, 3]), 5);
    assert.equal(await pool.apply(add, [2] as never, { b: 40 }), 42);
    assert.deepEqual(await pool.starmap(add, [[1, 2], [3, 4]]), [3, 7]);
    assert.throws(() => pool.apply(add, [1] as never, { c: 1 }), TypeError);
  });

  test("applyAsync returns an awaitable AsyncResult with Python's methods", async () => {
    await using pool = new Pool(2);
    const values: number[] = [];
    const result = pool.applyAsync(slowSquare, [4, 10], {}, { callback: (v) => values.push(v) });
    assert.ok(result instanceof AsyncResult);
    assert.throws(() => result.successful(), /not ready/);
    assert.equal(await result.get({ timeout: 10_000 }), 16);
    assert.equal(await result, 16);
    assert.ok(result.ready());
    assert.ok(result.successful());
    assert.deepEqual(values, [16]);
    const slow = pool.applyAsync(slowSquare, [2, 2000]);
    await assert.rejects(slow.get({ timeout: 10 }), TimeoutError);
    await slow.wait({ timeout: 10 });
    assert.equal(slow.ready(), false);
  });

  test("mapAsync and starmapAsync call back with the whole list", async () => {
    await using pool = new Pool(2);
    let got: number[] = [];
    const result = pool.mapAsync(square, [1, 2, 3], undefined, { callback: (v) => (got = v) });
    assert.deepEqual(await result, [1, 4, 9]);
    assert.deepEqual(got, [1, 4, 9]);
    assert.deepEqual(await pool.starmapAsync(add, [[1, 1]]), [2]);
    let error: unknown;
    await pool.mapAsync(failOn, [1, 2, 3], 1, { errorCallback: (e) => (error = e) }).wait();
    assert.ok(error instanceof TypeError);
  });

  test("imap streams results in order and imapUnordered as they finish", async () => {
    await using pool = new Pool(2);
    const ordered: number[] = [];
    for await (const y of pool.imap(square, countTo(20))) ordered.push(y);
    assert.deepEqual(ordered, Array.from({ length: 20 }, (_, i) => i * i));
    const unordered: number[] = [];
    for await (const y of pool.imapUnordered(square, [1, 2, 3, 4, 5], 2)) unordered.push(y);
    assert.deepEqual(unordered.sort((a, b) => a - b), [1, 4, 9, 16, 25]);
  });

  test("imap and imapUnordered go on past a failed task, then end", async () => {
    await using pool = new Pool(2);
    for (const kind of ["imap", "imapUnordered"] as const) {
      for (const chunksize of [1, 2]) {
        const it = pool[kind](failOn, [1, 2, 3, 4, 5], chunksize);
        const values: number[] = [];
        const errors: unknown[] = [];
        let ended = false;
        // At most one step per item and one for the end: a bound, not a guess.
        for (let step = 0; step < 6 && !ended; step++) {
          try {
            values.push(await it.next({ timeout: 30_000 }));
          } catch (error) {
            if (error instanceof StopIteration) ended = true;
            else errors.push(error);
          }
        }
        const what = `${kind}, chunksize ${chunksize}`;
        assert.ok(ended, `${what}: no StopIteration (${errors})`);
        assert.equal(errors.length, 1, `${what}: ${errors}`);
        assert.ok(errors[0] instanceof TypeError);
        // The failed chunk's other items are lost with it, as in Python.
        const expected = chunksize === 1 ? [1, 2, 4, 5] : [1, 2, 5];
        assert.deepEqual(values.sort((a, b) => a - b), expected, what);
      }
    }
  });

  test("imap yields the first result before the input is exhausted", async () => {
    await using pool = new Pool(2);
    let pulled = 0;
    function* endless(): Generator<number> {
      for (let i = 0;; i++) {
        pulled++;
        yield i;
      }
    }
    const it = pool.imap(square, endless());
    assert.equal(await it.next({ timeout: 10_000 }), 0);
    assert.equal(await it.next({ timeout: 10_000 }), 1);
    assert.deepEqual(await it.next(), { done: false, value: 4 });
    await it.return();
    assert.ok(pulled < 100_000, `read ${pulled} items ahead`);
  });

  test("a task's error rejects with the child's class, message and stack; the pool goes on", async () => {
    await using pool = new Pool(2);
    await assert.rejects(pool.apply(fail, ["boom"]), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, "boom");
      assert.match(error.stack ?? "", /fail/);
      return true;
    });
    await assert.rejects(pool.apply(failCustom, ["mine"]), (error: Error & { code?: number }) => {
      assert.equal(error.name, "CustomError");
      assert.equal(error.code, 42);
      return true;
    });
    await assert.rejects(pool.map(failOn, [1, 2, 3, 4], 1), TypeError);
    assert.deepEqual(await pool.map(square, [5]), [25]);
  });

  test("a DOMException or AggregateError from a task arrives as one, as through a queue", async () => {
    await using pool = new Pool(1);
    await assert.rejects(pool.apply(failBuiltin, ["dom"]), (error: DOMException) => {
      assert.ok(error instanceof DOMException);
      assert.equal(error.name, "AbortError");
      assert.equal(error.code, DOMException.ABORT_ERR);
      assert.equal(error.message, "stopped here");
      // Bun's DOMException has no stack of its own.
      if (typeof new DOMException().stack === "string") {
        assert.match(error.stack ?? "", /failBuiltin/);
      }
      return true;
    });
    await assert.rejects(pool.apply(failBuiltin, ["aggregate"]), (error: AggregateError) => {
      assert.ok(error instanceof AggregateError);
      assert.equal(error.message, "both failed");
      assert.equal(error.errors.length, 2);
      assert.ok(error.errors[0] instanceof TypeError);
      assert.equal(error.errors[0].message, "first");
      assert.ok(error.errors[1] instanceof RangeError);
      assert.equal(error.errors[1].message, "second");
      return true;
    });
  });

  test("a result that cannot be sent fails that task", async () => {
    await using pool = new Pool(1);
    await assert.rejects(pool.apply(returnsFunction), /Error sending result/);
    assert.equal(await pool.apply(square, [2]), 4);
  });

  test("a worker that dies mid-task fails that task and is replaced", async () => {
    await using pool = new Pool(2);
    await assert.rejects(pool.apply(exitNow, [3]), (error: WorkerLostError) => {
      assert.ok(error instanceof WorkerLostError);
      assert.equal(error.exitcode, 3);
      return true;
    });
    const results = await Promise.allSettled([
      pool.apply(exitNow, [4]),
      ...[1, 2, 3, 4, 5, 6].map((x) => pool.apply(slowSquare, [x, 5])),
    ]);
    assert.equal(results[0].status, "rejected");
    assert.deepEqual(
      results.slice(1).map((r) => r.status === "fulfilled" && r.value),
      [1, 4, 9, 16, 25, 36],
    );
    assert.deepEqual(await pool.map(square, [1, 2, 3]), [1, 4, 9]);
  });

  test("a task past its timeout is stopped and rejects with TimeoutError", () =>
    withBusy(async (release) => {
      await using pool = new Pool(1);
      await assert.rejects(pool.apply(busy, [release], {}, { timeout: 100 }), TimeoutError);
      assert.equal(await pool.apply(square, [6], {}, { timeout: 10_000 }), 36);
    }));

  test("a task's signal stops it and rejects with the signal's reason", () =>
    withBusy(async (release) => {
      await using pool = new Pool(1);
      const controller = new AbortController();
      const running = pool.apply(busy, [release], {}, { signal: controller.signal });
      setTimeout(() => controller.abort(new Error("stop it")), 50);
      await assert.rejects(running, /stop it/);
      const aborted = AbortSignal.abort(new Error("already"));
      await assert.rejects(pool.apply(square, [1], {}, { signal: aborted }), /already/);
      assert.equal(await pool.apply(square, [7]), 49);
    }));

  test("initializer runs in each worker with initargs, shared objects included", async () => {
    const q = new Queue<string>();
    await using pool = new Pool(2, { initializer: init, initargs: ["hi"] });
    assert.deepEqual(await pool.map(getGreeting, [1, 2, 3, 4]), ["hi", "hi", "hi", "hi"]);
    await using shared = new Pool(1, { initializer: putItem, initargs: [q, "ready"] });
    assert.equal(await shared.apply(square, [2]), 4);
    assert.equal(await q.get({ timeout: 10_000 }), "ready");
  });

  test("tasks go to the worker up first, not behind one still starting", async () => {
    const order = new Int32Array(new SharedArrayBuffer(4));
    const gate = new Event();
    const both = new Barrier(2);
    await using pool = new Pool(2, { initializer: initMeeting, initargs: [both, order, gate] });
    try {
      // The second worker stays in its initializer until the gate is set:
      // every task must run on the first.
      const pids = await pool.mapAsync(pidOf, [1, 2, 3, 4, 5, 6, 7, 8], 1).get({ timeout: 10_000 });
      assert.equal(pids.length, 8);
      assert.equal(new Set(pids).size, 1);
    } finally {
      gate.set();
    }
    // Once it has started, it takes tasks too.
    const arrivals = await pool.mapAsync(meet, [1, 2], 1).get({ timeout: 15_000 });
    assert.deepEqual(arrivals.toSorted(), [0, 1]);
  });

  test("two slow tasks on a new pool run at once, one per worker", async () => {
    // Each waits until both run: queued on one worker, they would never meet.
    for (let round = 0; round < 3; round++) {
      const both = new Barrier(2);
      await using pool = new Pool(2, { initializer: initMeeting, initargs: [both] });
      const arrivals = await pool.mapAsync(meet, [1, 2], 1).get({ timeout: 15_000 });
      assert.deepEqual(arrivals.toSorted(), [0, 1]);
    }
  });

  test("a failing initializer settles the tasks and breaks the pool", async () => {
    await using pool = new Pool(1, { initializer: initFails });
    await assert.rejects(pool.apply(square, [2]), (error: Error) => {
      assert.ok(error instanceof BrokenPoolError);
      assert.match(error.message, /failed to start/);
      return true;
    });
    assert.throws(() => pool.apply(square, [2]), /failed to start/);
  });

  test("maxtasksperchild replaces workers after that many tasks", async () => {
    await using pool = new Pool(1, { maxtasksperchild: 1 });
    const pids = new Set<number | null>();
    for (let i = 0; i < 3; i++) pids.add(await pool.apply(pidOf));
    assert.equal(pids.size, 3);
    const names = await pool.map(whoAmI, [1, 2, 3], 1);
    assert.equal(new Set(names).size, 3);
  });

  test("close then join lets queued work finish; the workers end", async () => {
    const pool = new Pool(2);
    const result = pool.mapAsync(slowSquare, [1, 2, 3, 4], 1);
    await assert.rejects(pool.join(), /still running/);
    pool.close();
    assert.throws(() => pool.map(square, [1]), {
      name: "PoolNotRunningError",
      message: "Pool not running",
    });
    await pool.join();
    assert.deepEqual(await result, [1, 4, 9, 16]);
  });

  test("terminate settles every outstanding task", () =>
    withBusy(async (release) => {
      const pool = new Pool(1);
      const running = pool.apply(busy, [release]);
      const queued = pool.apply(square, [2]);
      // Expectations first: the tasks reject while terminate() waits for the
      // workers' threads to be gone.
      const rejected = Promise.all([
        assert.rejects(running, { name: "PoolNotRunningError", message: /terminated/ }),
        assert.rejects(queued, PoolNotRunningError),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await pool.terminate();
      await rejected;
      await pool.join();
      assert.throws(() => pool.apply(square, [1]), PoolNotRunningError);
    }));

  test("a program awaiting a map at top level waits for it, then ends with the pool open", async () => {
    const { code, stdout, stderr } = await runScript("./fixtures/pool_targets.ts", 60_000);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), "[1,4,9]");
  });

  test("bad input throws clear errors", async () => {
    assert.throws(() => new Pool(0), RangeError);
    assert.throws(() => new Pool(-1), /'processes' must be an integer of at least 1/);
    assert.throws(() => new Pool(1, { maxtasksperchild: 0 }), RangeError);
    assert.throws(() => new Pool(1, { initializer: 5 as never }), TypeError);
    await using pool = new Pool(1);
    assert.throws(() => pool.map(5 as never, [1]), /'func' must be a function/);
    assert.throws(() => pool.map(square, 5 as never), /'iterable' must be an iterable/);
    assert.throws(() => pool.map(square, [1], 0), RangeError);
    assert.throws(() => pool.imap(square, [1], 1.5), RangeError);
    assert.throws(() => pool.apply(square, 5 as never), /'args' must be an array/);
    await assert.rejects(pool.apply(add, [() => 1, 2] as never), /args\[0\] is a function/);
  });
});

describe("Pool limits and lifetimes", () => {
  test("maxtasksperchild never runs more than `processes` tasks at once", async () => {
    const counters = new Int32Array(new SharedArrayBuffer(8));
    await using pool = new Pool(1, {
      maxtasksperchild: 1,
      initializer: initCounters,
      initargs: [counters],
    });
    // Tasks longer than a worker's start-up, so that an early replacement would overlap.
    const pids = await pool.map(tracked, [400, 400, 400, 400], 1);
    assert.equal(counters[1], 1, "tasks ran at once");
    assert.equal(new Set(pids).size, 4);
  });

  test("a map over a generator that throws rejects; it never throws at the caller", async () => {
    await using pool = new Pool(1);
    function* items(): Generator<number> {
      yield 1;
      throw new Error("generator failed");
    }
    let promise: Promise<unknown> | undefined;
    assert.doesNotThrow(() => (promise = pool.map(square, items())));
    await assert.rejects(promise!, /generator failed/);
    let starmapped: Promise<unknown> | undefined;
    assert.doesNotThrow(() => (starmapped = pool.starmap(add, [[1, 2], 3 as never])));
    await assert.rejects(starmapped!, TypeError);
  });

  test("the arguments of finished tasks are not kept alive", async () => {
    await using pool = new Pool(1);
    // A helper, so that no temporary of this test's own frame holds them.
    const mapOnce = async () => {
      const objs = Array.from({ length: 10 }, (_, i) => ({ i }));
      const out = await pool.map(identity, objs);
      assert.deepEqual(out, objs);
      return objs.map((o) => new WeakRef(o));
    };
    const refs = await mapOnce();
    await pool.apply(identity, [{ one: 1 }]);
    assert.ok(await collected(refs), "a finished task's argument is still referenced");
  });
});
