// What a user who ports Python habits gets: every first-hour mistake answered
// with a message that says what happened and what to do.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { currentProcess, Process, ProcessError } from "../process.ts";
import { AbandonedLockError, Lock } from "../lock.ts";
import { Pool } from "../pool.ts";
import { add, identity, putInto, square, throwOops } from "./fixtures/habits_targets.ts";
import { Empty, Full, Queue } from "../queue.ts";
import { Pipe } from "../pipe.ts";
import { TimeoutError } from "../pool.ts";
import { inspect } from "node:util";
import { SharedArray, Value } from "../shared.ts";
import type { ProcessPoolExecutor } from "../futures.ts";
import { holdAndReturn } from "./fixtures/lock_targets.ts";
import { runScript } from "./_run.ts";

const BOUND = { timeout: 20_000 };
const BOOTSTRAP = "Error: An attempt has been made to start a new process before the current " +
  "process has finished its bootstrapping phase";

describe("a missing import.meta.main guard", () => {
  test("a Pool made at the top level gives Python's bootstrapping error", async () => {
    const { stdout, code } = await runScript("./fixtures/scripts/unguarded_pool.ts");
    assert.equal(stdout.trim(), BOOTSTRAP);
    assert.equal(code, 0);
  });

  test("a ProcessPoolExecutor made at the top level gives the same error", async () => {
    const { stdout, code } = await runScript("./fixtures/scripts/unguarded_executor.ts");
    assert.equal(stdout.trim(), BOOTSTRAP);
    assert.equal(code, 0);
  });
});

describe("shared objects in messages", () => {
  test("a Queue as a pool task's argument says to use initargs", async () => {
    await using pool = new Pool(1);
    const q = new Queue<number>();
    await assert.rejects(pool.apply(putInto, [q, 1]), {
      name: "TypeError",
      message:
        /^args\[0\] is a shared Queue, which cannot travel inside a message .*initializer and initargs$/,
    });
    assert.throws(() => new Queue<unknown>().putNowait({ q }), {
      message: /^item\.q is a shared Queue, which cannot travel inside a message/,
    });
  });
});

describe("errors from a child", () => {
  test("a subclass of Error that sets no name keeps its class name", async () => {
    const p = new Process({ target: throwOops });
    p.start();
    await p.join(BOUND);
    assert.equal(p.exitcode, 1);
    assert.ok(p.error instanceof ProcessError);
    assert.equal(p.error.name, "Oops");
    assert.equal(String(p.error), "Oops: no");
    assert.match(p.error.stack ?? "", /^Oops: no\n/);
  });

  test("an item that cannot be sent is named by its place in the input", async () => {
    await using pool = new Pool(2);
    const items: unknown[] = [1, 2, 3, { handler: () => 1 }];
    await assert.rejects(pool.map(identity, items, 2), {
      name: "TypeError",
      message: /^items\[3\]\.handler is /,
    });
    const it = pool.imap(identity, items, 2);
    await assert.rejects(Array.fromAsync(it), { message: /^items\[3\]\.handler is / });
    await assert.rejects(pool.apply(identity, [{ handler: () => 1 }]), {
      message: /^args\[0\]\.handler is /,
    });
  });
});

describe("what a process is called", () => {
  test("a child's pid is no OS process: process.kill(p.pid) fails with ESRCH", async () => {
    const p = new Process({ target: identity, args: [1] });
    p.start();
    try {
      const pid = p.pid!;
      assert.ok(pid > 2 ** 22, `pid ${pid} is in the range of OS pids`);
      assert.notEqual(pid, currentProcess().pid);
      assert.throws(() => process.kill(pid, 0), { code: "ESRCH" });
    } finally {
      await p.join(BOUND);
    }
    assert.equal(p.exitcode, 0);
  });

  test("an abandoned lock names the process that held it", async () => {
    const lock = new Lock();
    const p = new Process({ target: holdAndReturn, args: [lock], name: "lock-holder" });
    p.start();
    await p.join(BOUND);
    assert.equal(p.exitcode, 0);
    await assert.rejects(lock.acquire({ timeout: 10_000 }), (error: unknown) => {
      assert.ok(error instanceof AbandonedLockError);
      assert.equal(error.holder, "lock-holder");
      assert.match(
        error.message,
        /the process that held it \(lock-holder\) ended with exit code 0/,
      );
      return true;
    });
    assert.equal(lock.acquireSync({ block: false }), true);
    lock.release();
  });

  test("a long name is cut to 23 characters and an ellipsis in messages", async () => {
    const lock = new Lock();
    const name = "a-very-long-process-name-indeed";
    const p = new Process({ target: holdAndReturn, args: [lock], name });
    p.start();
    await p.join(BOUND);
    await assert.rejects(lock.acquire({ timeout: 10_000 }), {
      holder: `${name.slice(0, 23)}\u2026`,
    });
  });
});

describe("a child's output", () => {
  test("shows while the parent's thread is blocked in a Sync call", async () => {
    const { stdout, stderr, code } = await runScript(
      "./fixtures/scripts/blocked_parent_output.ts",
    );
    assert.equal(code, 0);
    assert.equal(stdout, "child: hello\nparent: joined with exitcode 1\n");
    assert.match(stderr, /^Process Process-1:\nError: child failed\n/);
  });
});

describe("types", () => {
  test("args and map items are checked against the target's parameters", () => {
    // What this test asserts is checked by the type check step (tsc and
    // deno check): each line marked @ts-expect-error must be a type error.
    const checks = (pool: Pool, executor: ProcessPoolExecutor): void => {
      new Process({ target: square, args: [3] });
      new Process({ target: add, args: [1], kwargs: { b: 2 } });
      // @ts-expect-error: a string where the target takes a number
      new Process({ target: square, args: ["3"] });
      // @ts-expect-error: more arguments than the target takes
      new Process({ target: square, args: [1, 2] });
      void executor.map(add, [1, 2], [10, 20]);
      void executor.map(add, [1], [2], { timeout: 1000 });
      // @ts-expect-error: strings for a function of numbers
      void executor.map(square, ["3"]);
      // @ts-expect-error: a string where the function takes a number
      void pool.apply(square, ["3"]);
    };
    assert.equal(checks.length, 2);
  });
});

describe("timeouts are milliseconds, and say so", () => {
  test("Empty and Full say how long they waited", async () => {
    const q = new Queue<number>(1);
    await assert.rejects(q.get({ timeout: 2 }), {
      name: "Empty",
      message: "Queue is empty after waiting 2 ms",
    });
    assert.throws(() => q.getSync({ timeout: 3 }), (e: unknown) => {
      assert.ok(e instanceof Empty);
      assert.equal(e.message, "Queue is empty after waiting 3 ms");
      return true;
    });
    assert.throws(() => q.getNowait(), { message: "Queue is empty" });
    q.putNowait(1);
    assert.throws(() => q.putSync(2, { timeout: 1 }), (e: unknown) => {
      assert.ok(e instanceof Full);
      assert.equal(e.message, "Queue is full after waiting 1 ms");
      return true;
    });
    await assert.rejects(q.put(2, { timeout: 4 }), { message: "Queue is full after waiting 4 ms" });
    await assert.rejects(q.put(2, { block: false, timeout: 4 }), { message: "Queue is full" });
  });

  test("a pipe's recv says how long it waited", async () => {
    const [a, b] = Pipe<number>();
    await assert.rejects(a.recv({ timeout: 5 }), (e: unknown) => {
      assert.ok(e instanceof TimeoutError);
      assert.equal(e.message, "No message arrived after waiting 5 ms");
      return true;
    });
    a.close();
    b.close();
  });
});

describe("printing the library's objects", () => {
  test("util.inspect and console.log show contents and state", async () => {
    assert.equal(inspect(new SharedArray("i", [1, 2, 3])), "SharedArray('i', [1, 2, 3])");
    assert.equal(inspect(new Value("q", 5n)), "Value('q', 5)");
    const { stdout, code } = await runScript("./fixtures/scripts/print_objects.ts");
    assert.equal(code, 0);
    // Runtimes break lines differently (Bun puts an array's items on lines of their own).
    assert.equal(
      stdout.replace(/\s+/g, " "),
      "SharedArray('i', [1, 2, 3]) Value('d', 2.5) <Lock(owner=MainProcess)> " +
        "<Queue(maxsize=3, qsize=1)> [ SharedArray('b', [7]) ] ",
    );
  });
});
