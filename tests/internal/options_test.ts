import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { blockingOptions, optionsOf } from "../../internal/options.ts";
import { Process } from "../../process.ts";
import { Empty, JoinableQueue, Queue } from "../../queue.ts";
import { Pipe } from "../../pipe.ts";
import { BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore } from "../../lock.ts";
import { Pool } from "../../pool.ts";
import { ProcessPoolExecutor, ThreadPoolExecutor } from "../../futures.ts";
import { TimeoutError } from "../../internal/errors.ts";
import { Value } from "../../shared.ts";
import { sleep } from "../fixtures/process_targets.ts";

describe("blockingOptions", () => {
  test("a negative timeout is a deadline of now; none or Infinity is no deadline", () => {
    const before = performance.now();
    const { deadline } = blockingOptions("f", { timeout: -1 }, ["timeout"]);
    assert.ok(deadline >= before && deadline <= performance.now());
    assert.equal(blockingOptions("f", {}, ["timeout"]).deadline, Infinity);
    assert.equal(blockingOptions("f", { timeout: Infinity }, ["timeout"]).deadline, Infinity);
    assert.equal(blockingOptions("f", undefined, ["timeout"]).deadline, Infinity);
  });

  test("block: false ignores the timeout and allows no wait", () => {
    const { block, deadline } = blockingOptions("f", { block: false, timeout: 60_000 }, [
      "block",
      "timeout",
    ]);
    assert.equal(block, false);
    assert.ok(deadline <= performance.now());
  });

  test("a default timeout applies when none is given", () => {
    assert.ok(blockingOptions("poll", undefined, ["timeout"], 0).deadline <= performance.now());
    assert.equal(
      blockingOptions("poll", { timeout: null } as never, ["timeout"], 0).deadline,
      Infinity,
    );
  });

  test("a number, an array or null instead of the options object is a TypeError", () => {
    for (const bad of [5, [], null, "x"]) {
      assert.throws(() => blockingOptions("Queue.get", bad as never, ["timeout"]), {
        name: "TypeError",
        message: /^'options' of Queue.get must be an object/,
      });
    }
  });

  test("an unknown key is a TypeError naming it and the keys the call takes", () => {
    assert.throws(() => optionsOf("new Pool", { procesess: 2 } as object, ["processes"]), {
      name: "TypeError",
      message: "Unknown option 'procesess' of new Pool: it takes processes",
    });
    assert.throws(() => blockingOptions("Lock.acquireSync", { signal: undefined }, ["timeout"]), {
      name: "TypeError",
      message: "'signal' cannot stop Lock.acquireSync, which blocks the thread",
    });
  });

  test("bad values are TypeErrors naming the option", () => {
    assert.throws(() => blockingOptions("f", { timeout: "5" }, ["timeout"]), /'timeout'/);
    assert.throws(() => blockingOptions("f", { timeout: NaN }, ["timeout"]), /'timeout'/);
    assert.throws(() => blockingOptions("f", { block: 0 }, ["block"]), /'block'/);
    assert.throws(() => blockingOptions("f", { signal: {} }, ["signal"]), /'signal'/);
  });
});

describe("One timeout rule for every blocking call (Python's)", () => {
  test("locks: a negative timeout tries once; block: false may carry a timeout", async () => {
    for (const lock of [new Lock(), new RLock(), new Semaphore(1), new BoundedSemaphore(1)]) {
      assert.equal(lock.acquireSync({ timeout: -1 }), true);
      if (!(lock instanceof RLock)) {
        assert.equal(lock.acquireSync({ timeout: -1 }), false);
        assert.equal(await lock.acquire({ timeout: -5 }), false);
        assert.equal(lock.acquireSync({ block: false, timeout: 60_000 }), false);
        assert.equal(await lock.acquire({ block: false, timeout: 60_000 }), false);
      }
      lock.release();
    }
    assert.equal(await new Semaphore(0).acquire({ block: false, timeout: 100 }), false);
    assert.equal(new Semaphore(0).acquireSync({ block: false, timeout: 100 }), false);
    const cond = new Condition();
    assert.equal(cond.acquireSync({ block: false, timeout: 5 }), true);
    assert.equal(cond.waitSync({ timeout: -1 }), false);
    assert.equal(await cond.waitFor(() => false, { timeout: -1 }), false);
    cond.release();
    assert.equal(await new Event().wait({ timeout: -1 }), false);
  });

  test("queues and pipes: a negative timeout looks once", async () => {
    const q = new Queue<number>();
    await assert.rejects(q.get({ timeout: -1 }), Empty);
    assert.throws(() => q.getSync({ timeout: -1 }), Empty);
    await assert.rejects(q.get({ block: false, timeout: 60_000 }), Empty);
    q.putSync(7, { timeout: -1 });
    assert.equal(await q.get({ timeout: -1 }), 7);
    const jq = new JoinableQueue<number>();
    jq.putNowait(1);
    assert.equal(await jq.join({ timeout: -1 }), false);
    const [a, b] = Pipe<number>();
    assert.equal(await b.poll({ timeout: -1 }), false);
    await assert.rejects(b.recv({ timeout: -1 }), TimeoutError);
    a.send(1);
    assert.equal(await b.poll({ timeout: -1 }), true);
    a.close();
    b.close();
  });

  test("Process.join: a negative timeout returns at once with the process running", async () => {
    const p = new Process({ target: sleep, args: [300] });
    p.start();
    await p.join({ timeout: -1 });
    assert.equal(p.isAlive(), true);
    assert.equal(p.exitcode, null);
    await p.join({ timeout: 30_000 });
    assert.equal(p.exitcode, 0);
  });

  test("results and futures: a negative timeout times out at once if not ready", async () => {
    const ex = new ThreadPoolExecutor(1);
    const f = ex.submit(() => new Promise((r) => setTimeout(r, 50, 1)));
    await assert.rejects(f.result({ timeout: -1 }), TimeoutError);
    assert.equal(await f.result({ timeout: 30_000 }), 1);
    assert.equal(await f.result({ timeout: -1 }), 1);
    await ex.shutdown();
  });
});

describe("Unknown option keys are TypeErrors naming the key", () => {
  test("constructors", () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => new Pool(1, { maxtaskperchild: 1 } as never), /'maxtaskperchild' of new Pool/],
      [() => new Pool({ proceses: 1 } as never), /'proceses' of new Pool/],
      [() => new ProcessPoolExecutor(1, { maxtasksperchild: 1 } as never), /'maxtasksperchild'/],
      [() => new ThreadPoolExecutor(1, { initialiser: () => {} } as never), /'initialiser'/],
      [() => new Process({ targt: sleep } as never), /'targt' of new Process/],
      [() => new Semaphore(1, { own: true } as never), /'own' of new Semaphore/],
      [() => new BoundedSemaphore(1, { own: true } as never), /'own' of new BoundedSemaphore/],
      [() => new Value("i", 0, { locked: true } as never), /'locked' of new Value/],
    ];
    for (const [make, message] of cases) {
      assert.throws(make, { name: "TypeError", message });
    }
  });

  test("blocking calls and their Sync forms", async () => {
    const q = new Queue<number>();
    await assert.rejects(q.get({ timeuot: 5 } as never), /Unknown option 'timeuot' of Queue.get/);
    assert.throws(() => q.getSync(5 as never), /'options' of Queue.getSync must be an object/);
    assert.throws(() => q.putSync(1, { signal: undefined } as never), /'signal' cannot stop/);
    const [a, b] = Pipe<number>();
    await assert.rejects(b.recv({ block: false } as never), /Unknown option 'block'/);
    await assert.rejects(b.poll(100 as never), /'options' of Connection.poll must be an object/);
    a.close();
    b.close();
    const ex = new ThreadPoolExecutor(1);
    const f = ex.submit(() => 1);
    await assert.rejects(
      f.result({ timout: 1 } as never),
      /Unknown option 'timout' of Future.result/,
    );
    await assert.rejects(ex.shutdown({ cancel: true } as never), /'cancel' of Executor.shutdown/);
    await ex.shutdown();
  });
});
