import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool, StopIteration, ThreadPool, TimeoutError } from "../pool.ts";
import { runScript } from "./_run.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("ThreadPool", () => {
  test("is a Pool whose map runs closures on this thread, in order", async () => {
    await using pool = new ThreadPool(3);
    assert.ok(pool instanceof Pool);
    const seen: number[] = [];
    const values = await pool.map(async (x: number) => {
      seen.push(x);
      await sleep(5 - x);
      return x * 10;
    }, [1, 2, 3, 4]);
    assert.deepEqual(values, [10, 20, 30, 40]);
    assert.deepEqual(seen.sort(), [1, 2, 3, 4]);
  });

  test("runs at most `processes` tasks at once", async () => {
    await using pool = new ThreadPool(2);
    let active = 0;
    let most = 0;
    const task = async (x: number) => {
      most = Math.max(most, ++active);
      await sleep(10);
      active--;
      return x;
    };
    assert.deepEqual(await pool.map(task, [1, 2, 3, 4, 5, 6], 1), [1, 2, 3, 4, 5, 6]);
    assert.equal(most, 2);
  });

  test("apply, kwds, starmap, applyAsync with callbacks", async () => {
    await using pool = new ThreadPool(2);
    const sub = (a: number, b = 0) => a - b;
    assert.equal(await pool.apply(sub, [7], { b: 2 }), 5);
    assert.deepEqual(await pool.starmap(sub, [[5, 1], [9, 3]]), [4, 6]);
    let called: number | undefined;
    const r = pool.applyAsync(sub, [10, 1], {}, { callback: (v) => (called = v) });
    assert.equal(await r.get({ timeout: 5000 }), 9);
    assert.equal(called, 9);
    assert.equal(r.successful(), true);
  });

  test("a task's error rejects that task with the very error object", async () => {
    await using pool = new ThreadPool(2);
    const oops = new RangeError("oops");
    await assert.rejects(pool.apply(() => Promise.reject(oops)), (error) => error === oops);
    assert.deepEqual(await pool.map((x: number) => x + 1, [1]), [2]);
  });

  test("imap streams; next({ timeout }) returns the value, then throws StopIteration", async () => {
    await using pool = new ThreadPool(2);
    const it = pool.imap(async (x: number) => {
      await sleep(x);
      return x * 2;
    }, [3, 1, 2]);
    assert.equal(await it.next({ timeout: 5000 }), 6);
    assert.deepEqual(await it.next(), { done: false, value: 2 });
    assert.equal(await it.next({ timeout: 5000 }), 4);
    await assert.rejects(it.next({ timeout: 5000 }), StopIteration);
    const all: number[] = [];
    for await (const y of pool.imapUnordered((x: number) => x, [1, 2, 3])) all.push(y);
    assert.deepEqual(all.sort(), [1, 2, 3]);
  });

  test("imapUnordered throws a failed task's error at its turn, then ends", async () => {
    await using pool = new ThreadPool(2);
    const it = pool.imapUnordered((x: number) => {
      if (x === 2) throw new RangeError("two");
      return x;
    }, [1, 2, 3]);
    const seen: unknown[] = [];
    for (let step = 0; step < 4; step++) {
      try {
        seen.push(await it.next({ timeout: 5000 }));
      } catch (error) {
        if (error instanceof StopIteration) break;
        seen.push((error as Error).message);
      }
    }
    assert.deepEqual(seen.map(String).sort(), ["1", "3", "two"]);
    await assert.rejects(it.next({ timeout: 5000 }), StopIteration);
  });

  test("next({ timeout }) throws TimeoutError when no result comes in time", async () => {
    await using pool = new ThreadPool(1);
    const it = pool.imap(() => sleep(200), [1]);
    await assert.rejects(it.next({ timeout: 10 }), {
      name: "TimeoutError",
      message: "No result after waiting 10 ms",
    });
    await it.return();
  });

  test("initializer runs once per lane before its first task, with initargs", async () => {
    const calls: string[] = [];
    const pool = new ThreadPool(2, {
      initializer: (tag: string) => void calls.push(tag),
      initargs: ["init"],
      maxtasksperchild: 2,
    });
    await pool.map((x: number) => sleep(2).then(() => x), [1, 2, 3, 4, 5, 6, 7, 8], 1);
    pool.close();
    await pool.join();
    // Two lanes, each re-initialized after every 2 of its tasks: 8 tasks, 4 runs.
    assert.deepEqual(calls, ["init", "init", "init", "init"]);
  });

  test("a failing initializer breaks the pool; its tasks reject", async () => {
    await using pool = new ThreadPool(1, {
      initializer: () => {
        throw new Error("no init");
      },
    });
    await assert.rejects(pool.apply(() => 1), (error: Error) => {
      assert.match(error.message, /initializer failed/);
      assert.equal((error.cause as Error).message, "no init");
      return true;
    });
    assert.throws(() => pool.apply(() => 1), /initializer failed/);
  });

  test("a timeout or signal rejects the task and frees its lane", async () => {
    await using pool = new ThreadPool(1);
    await assert.rejects(pool.apply(() => sleep(1000), [], {}, { timeout: 20 }), TimeoutError);
    const ac = new AbortController();
    const aborted = pool.apply(() => sleep(1000), [], {}, { signal: ac.signal });
    ac.abort(new Error("stop"));
    await assert.rejects(aborted, /stop/);
    assert.equal(await pool.apply(() => 7), 7);
  });

  test("close then join waits for queued work; terminate rejects what is outstanding", async () => {
    const pool = new ThreadPool(1);
    const done: number[] = [];
    const r = pool.map(
      async (x: number) => {
        await sleep(5);
        done.push(x);
      },
      [1, 2, 3],
      1,
    );
    pool.close();
    assert.throws(() => pool.apply(() => 1), /Pool not running/);
    await pool.join();
    await r;
    assert.deepEqual(done, [1, 2, 3]);

    const other = new ThreadPool(1);
    const slow = other.apply(() => sleep(1000));
    const queued = other.apply(() => 1);
    await other.terminate();
    await assert.rejects(slow, /terminated/);
    await assert.rejects(queued, /terminated/);
  });

  test("bad input throws clear errors", () => {
    assert.throws(() => new ThreadPool(0), RangeError);
    assert.throws(() => new ThreadPool(1, { initargs: 1 as never }), /'initargs' must be an array/);
    const pool = new ThreadPool(1);
    assert.throws(() => pool.map(1 as never, [1]), /'func' must be a function/);
    void pool.terminate();
  });
});

test("examples/thread_pool_io.ts prints the pages in order, three at a time at most", async () => {
  const { code, stdout, stderr } = await runScript("../examples/thread_pool_io.ts");
  assert.equal(code, 0, stderr);
  assert.deepEqual(stdout.trim().split(/\r?\n/), [
    "https://example.com/a: 2100 bytes",
    "https://example.com/bb: 2200 bytes",
    "https://example.com/ccc: 2300 bytes",
    "https://example.com/dddd: 2400 bytes",
    "https://example.com/eeeee: 2500 bytes",
    "most at once: 3",
  ]);
});
