import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Process } from "../process.ts";
import { Pool } from "../pool.ts";
import { AbandonedLockError, BoundedSemaphore, Event, Lock, RLock, Semaphore } from "../lock.ts";
import { TimeoutError } from "../internal/errors.ts";
import { RawArray, RawValue, Value } from "../shared.ts";
import { runAll, runScript } from "./_run.ts";
import {
  addToValue,
  addUnderLock,
  addWithLock,
  addWithLockAsync,
  bump,
  holdAndReturn,
  holdAndThrow,
  holdForever,
  initCounter,
  pingPong,
  releaseForeign,
  releaseOther,
  spawnAdder,
  useSlot,
  waitForLock,
} from "./fixtures/lock_targets.ts";

const BOUND = { timeout: 30_000 };

/** Starts a child that takes `lock` and waits to be killed; resolves once it holds it. */
async function holder(lock: Lock | RLock | Semaphore): Promise<Process> {
  const ready = new Event();
  const p = new Process({ target: holdForever, args: [lock, ready] });
  p.start();
  assert.equal(await ready.wait({ timeout: 20_000 }), true, "holder never took the lock");
  return p;
}

describe("Lock", () => {
  test("acquire returns true, then false after its timeout and with block: false", async () => {
    const lock = new Lock();
    assert.equal(lock.acquireSync(), true);
    assert.equal(lock.locked(), true);
    assert.equal(lock.acquireSync({ timeout: 20 }), false);
    assert.equal(lock.acquireSync({ block: false }), false);
    assert.equal(await lock.acquire({ timeout: 20 }), false);
    assert.equal(await lock.acquire({ block: false }), false);
    lock.release();
    assert.equal(lock.locked(), false);
    assert.equal(await lock.acquire({ block: false }), true);
    lock.release();
  });

  test("releasing an unlocked Lock throws RangeError", () => {
    const lock = new Lock();
    assert.throws(() => lock.release(), { name: "RangeError", message: /not held/ });
    lock.acquireSync();
    lock.release();
    assert.throws(() => lock.release(), RangeError);
  });

  test("bad options are errors naming the option", async () => {
    const lock = new Lock();
    assert.throws(() => lock.acquireSync({ timeout: "1" as never }), {
      name: "TypeError",
      message: /'timeout'/,
    });
    assert.throws(() => lock.acquireSync(5 as never), {
      name: "TypeError",
      message: /'options' of Lock.acquireSync must be an object, got number 5/,
    });
    assert.throws(() => lock.acquireSync({ blocking: false } as never), {
      name: "TypeError",
      message: /Unknown option 'blocking' of Lock.acquireSync: it takes block, timeout/,
    });
    assert.throws(() => lock.acquireSync({ block: 0 as never }), {
      name: "TypeError",
      message: /'block'/,
    });
    await assert.rejects(lock.acquire({ signal: {} as never }), {
      name: "TypeError",
      message: /'signal'/,
    });
    assert.equal(lock.locked(), false);
  });

  test("an aborted acquire rejects with the signal's reason", async () => {
    const lock = new Lock();
    lock.acquireSync();
    const controller = new AbortController();
    const pending = lock.acquire({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 10);
    await assert.rejects(pending, { message: "stop" });
    lock.release();
    assert.equal(lock.locked(), false);
  });

  test("withLock runs the section under the lock and releases it when it throws", async () => {
    const lock = new Lock();
    assert.equal(lock.withLockSync(() => lock.locked()), true);
    assert.equal(await lock.withLock(() => Promise.resolve(7)), 7);
    assert.throws(() =>
      lock.withLockSync(() => {
        throw new Error("boom");
      }), { message: "boom" });
    await assert.rejects(lock.withLock(() => Promise.reject(new Error("later"))), {
      message: "later",
    });
    assert.equal(lock.locked(), false);
    lock.acquireSync();
    await assert.rejects(lock.withLock(() => 1, { timeout: 10 }), TimeoutError);
    assert.throws(() => lock.withLockSync(() => 1, { block: false }), TimeoutError);
    lock.release();
  });

  test("a guard releases the lock at the end of its block, once", async () => {
    const lock = new Lock();
    {
      using guard = lock.guardSync();
      assert.equal(lock.locked(), true);
      guard.release();
      assert.equal(lock.locked(), false);
    }
    {
      using _guard = await lock.guard();
      assert.equal(lock.locked(), true);
    }
    assert.equal(lock.locked(), false);
    lock.acquireSync();
    assert.throws(() => lock.guardSync({ timeout: 5 }), TimeoutError);
    lock.release();
  });

  test("async tasks of one process take turns, and no wake-up is lost", async () => {
    const lock = new Lock();
    let inside = 0;
    let most = 0;
    let total = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 50; i++) {
        await lock.withLock(async () => {
          most = Math.max(most, ++inside);
          await null;
          total++;
          inside--;
        }, { timeout: 10_000 });
      }
    }));
    assert.equal(most, 1);
    assert.equal(total, 400);
    assert.equal(lock.locked(), false);
  });

  test("three processes add 100,000 each under acquireSync/release: exactly 300,000", async () => {
    const lock = new Lock();
    const counter = new RawValue("i", 0);
    const ps = [0, 1, 2].map(() =>
      new Process({ target: addUnderLock, args: [lock, counter, 100_000] })
    );
    assert.deepEqual(await runAll(ps), [0, 0, 0]);
    assert.equal(counter.value, 300_000);
  });

  test("three processes add 100,000 each with withLockSync: exactly 300,000", async () => {
    const lock = new Lock();
    const counter = new RawValue("i", 0);
    const ps = [0, 1, 2].map(() =>
      new Process({ target: addWithLock, args: [lock, counter, 100_000] })
    );
    assert.deepEqual(await runAll(ps), [0, 0, 0]);
    assert.equal(counter.value, 300_000);
  });

  test("processes and the main process add with async withLock: no increment lost", async () => {
    const lock = new Lock();
    const counter = new RawValue("i", 0);
    const ps = [0, 1].map(() =>
      new Process({ target: addWithLockAsync, args: [lock, counter, 5_000] })
    );
    for (const p of ps) p.start();
    await addWithLockAsync(lock, counter, 5_000);
    for (const p of ps) await p.join(BOUND);
    assert.deepEqual(ps.map((p) => p.exitcode), [0, 0]);
    assert.equal(counter.value, 15_000);
  });

  test("a child may release a Lock its parent holds, as in Python", async () => {
    const lock = new Lock();
    lock.acquireSync();
    assert.deepEqual(await runAll([new Process({ target: releaseOther, args: [lock] })]), [0]);
    assert.equal(lock.locked(), false);
  });

  test("a lock passed on to a grandchild is the same lock", async () => {
    const lock = new Lock();
    const counter = new RawValue("i", 0);
    const ps = [
      new Process({ target: spawnAdder, args: [lock, counter, 20_000] }),
      new Process({ target: addWithLock, args: [lock, counter, 20_000] }),
    ];
    assert.deepEqual(await runAll(ps), [0, 0]);
    assert.equal(counter.value, 40_000);
  });
});

describe("RLock", () => {
  test("its owner takes it again; it is free after as many releases", async () => {
    const lock = new RLock();
    assert.equal(lock.acquireSync(), true);
    assert.equal(await lock.acquire({ block: false }), true);
    lock.withLockSync(() => assert.equal(lock.locked(), true));
    lock.release();
    assert.equal(lock.locked(), true);
    lock.release();
    assert.equal(lock.locked(), false);
    assert.throws(() => lock.release(), { name: "RangeError", message: /not held/ });
  });

  test("another process cannot release it, nor take it while held", async () => {
    const lock = new RLock();
    lock.acquireSync();
    const out = new RawArray("i", 3);
    const ps = [
      new Process({ target: releaseForeign, args: [lock, out] }),
      new Process({ target: waitForLock, args: [lock, out, 50] }),
    ];
    assert.deepEqual(await runAll(ps), [0, 0]);
    assert.deepEqual(out.toArray(), [1, 0, 1]); // RangeError; not acquired, timed out
    lock.release();
  });

  test("a Value's default RLock keeps three processes' increments exact", async () => {
    const value = new Value("i", 0);
    const ps = [0, 1, 2].map(() => new Process({ target: addToValue, args: [value, 20_000] }));
    assert.deepEqual(await runAll(ps), [0, 0, 0]);
    assert.equal(value.value, 60_000);
  });
});

describe("Abandoned locks", () => {
  test("a Lock held by a killed child: the next acquire throws AbandonedLockError, then works", async () => {
    const lock = new Lock();
    const p = await holder(lock);
    assert.equal(lock.acquireSync({ block: false }), false);
    p.kill();
    await p.join(BOUND);
    assert.equal(p.exitcode, -9);
    const error = assert.throws(() => lock.acquireSync({ timeout: 10_000 }), AbandonedLockError);
    void error;
    assert.equal(lock.locked(), false);
    assert.equal(lock.acquireSync({ timeout: 1000 }), true);
    lock.release();
  });

  test("the error names the kind, the slot and the exit code", async () => {
    const lock = new RLock();
    const p = await holder(lock);
    p.terminate();
    await p.join(BOUND);
    await assert.rejects(lock.acquire({ timeout: 10_000 }), (error: unknown) => {
      assert.ok(error instanceof AbandonedLockError);
      assert.equal(error.name, "AbandonedLockError");
      assert.equal(error.kind, "RLock");
      assert.equal(error.exitcode, -15);
      assert.equal(typeof error.slot, "number");
      return true;
    });
    assert.equal(await lock.acquire({ timeout: 1000 }), true);
    lock.release();
  });

  test("a waiter already blocked learns of a killed owner within a bounded time", async () => {
    const lock = new Lock();
    const owner = await holder(lock);
    const out = new RawArray("i", 3);
    const waiter = new Process({ target: waitForLock, args: [lock, out, 15_000] });
    waiter.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    owner.kill();
    await owner.join(BOUND);
    await waiter.join(BOUND);
    assert.equal(waiter.exitcode, 0);
    assert.deepEqual(out.toArray(), [0, 1, 0]);
  });

  test("a child that returns or throws holding a lock abandons it", async () => {
    for (const target of [holdAndReturn, holdAndThrow]) {
      const lock = new Lock();
      await runAll([new Process({ target, args: [lock] })]);
      assert.throws(() => lock.acquireSync({ timeout: 10_000 }), AbandonedLockError);
      assert.equal(lock.acquireSync({ block: false }), true);
    }
  });

  test("Semaphore permits of a killed child are given back", async () => {
    const sem = new Semaphore(1);
    const p = await holder(sem);
    assert.equal(sem.getValue(), 0);
    p.kill();
    await p.join(BOUND);
    assert.throws(() => sem.acquireSync({ timeout: 10_000 }), AbandonedLockError);
    assert.equal(sem.getValue(), 1);
    assert.equal(await sem.acquire({ timeout: 1000 }), true);
  });

  test("a Semaphore(0) is a signal: permits a child took stay taken when it ends", async () => {
    const sem = new Semaphore(0);
    sem.release();
    await runAll([new Process({ target: holdAndReturn, args: [sem] })]);
    assert.equal(sem.acquireSync({ timeout: 100 }), false);
    assert.equal(sem.getValue(), 0);
  });

  test("with owned: false, permits a child keeps stay taken", async () => {
    const sem = new Semaphore(1, { owned: false });
    await runAll([new Process({ target: holdAndReturn, args: [sem] })]);
    assert.equal(sem.acquireSync({ timeout: 100 }), false);
    assert.equal(sem.getValue(), 0);
  });
});

describe("Semaphore", () => {
  test("counts permits; acquire waits while there are none", async () => {
    const sem = new Semaphore(2);
    assert.equal(sem.getValue(), 2);
    assert.equal(sem.acquireSync(), true);
    assert.equal(await sem.acquire(), true);
    assert.equal(sem.getValue(), 0);
    assert.equal(sem.acquireSync({ timeout: 10 }), false);
    assert.equal(await sem.acquire({ block: false }), false);
    setTimeout(() => sem.release(), 10);
    assert.equal(await sem.acquire({ timeout: 10_000 }), true);
    sem.release();
    sem.release();
    sem.release(); // more than acquired: allowed, as in Python
    assert.equal(sem.getValue(), 3);
  });

  test("the default value is 1, and bad values are errors naming 'value'", () => {
    assert.equal(new Semaphore().getValue(), 1);
    assert.equal(new Semaphore(0).getValue(), 0);
    assert.throws(() => new Semaphore(-1), { name: "RangeError", message: /'value'/ });
    assert.throws(() => new Semaphore(1.5), { name: "TypeError", message: /'value'/ });
    assert.throws(() => new Semaphore("2" as never), TypeError);
    assert.throws(() => new Semaphore(1, { owned: "yes" as never }), {
      name: "TypeError",
      message: /'owned'/,
    });
  });

  test("a BoundedSemaphore throws RangeError when released past its value", () => {
    const sem = new BoundedSemaphore(2);
    assert.ok(sem instanceof Semaphore);
    assert.throws(() => sem.release(), RangeError);
    sem.acquireSync();
    sem.release();
    assert.throws(() => sem.release(), { name: "RangeError", message: /initial value 2/ });
    assert.equal(sem.getValue(), 2);
  });

  test("no more than its value hold a permit at once, across processes", async () => {
    const sem = new Semaphore(2);
    const state = new Int32Array(new SharedArrayBuffer(8));
    const ps = [0, 1, 2, 3].map(() => new Process({ target: useSlot, args: [sem, state, 30] }));
    assert.deepEqual(await runAll(ps), [0, 0, 0, 0]);
    assert.ok(state[1] >= 1 && state[1] <= 2, `most holders ${state[1]}`);
    assert.equal(state[0], 0);
    assert.equal(sem.getValue(), 2);
  });

  test("a shared BoundedSemaphore keeps its bound in a child", async () => {
    const sem = new BoundedSemaphore(1);
    sem.acquireSync();
    assert.deepEqual(await runAll([new Process({ target: releaseOther, args: [sem as never] })]), [
      0,
    ]);
    assert.equal(sem.getValue(), 1);
    assert.throws(() => sem.release(), RangeError);
  });

  test("two processes hand a turn back and forth 2,000 times with no lost wake-up", async () => {
    for (const sync of [true, false]) {
      const ping = new Semaphore(1, { owned: false });
      const pong = new Semaphore(0, { owned: false });
      const turns = new Int32Array(new SharedArrayBuffer(8));
      const ps = [
        new Process({ target: pingPong, args: [ping, pong, turns, 0, 1000, sync] }),
        new Process({ target: pingPong, args: [pong, ping, turns, 1, 1000, sync] }),
      ];
      assert.deepEqual(await runAll(ps), [0, 0]);
      assert.deepEqual([...turns], [1000, 1000]);
    }
  });
});

describe("Locks in a Pool", () => {
  test("a Lock and a Value given to a Pool initializer are shared by every worker", async () => {
    const lock = new Lock();
    const counter = new Value("i", 0, { lock: false });
    const pool = new Pool(2, { initializer: initCounter, initargs: [lock, counter] });
    try {
      const items = Array.from({ length: 100 }, (_, i) => i + 1);
      assert.deepEqual(await pool.map(bump, items), items);
    } finally {
      pool.close();
      await pool.join();
    }
    assert.equal(counter.value, 5050);
  });
});

describe("The lock examples", () => {
  function lines(result: { code: number | null; stdout: string; stderr: string }): string[] {
    assert.equal(result.code, 0, `exit ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result.stdout.split(/\r?\n/).filter((line) => line !== "");
  }

  test("examples/003_counter.ts and its async form count exactly 300,000", async () => {
    for (const name of ["003_counter.ts", "003_counter_async.ts"]) {
      assert.deepEqual(lines(await runScript(`../examples/${name}`)), ["최종 counter 값: 300000"]);
    }
  });

  test("examples/condition_producer_consumer.ts hands over each item once", async () => {
    const out = lines(await runScript("../examples/condition_producer_consumer.ts"));
    assert.equal(out.at(-1), "consumed 5 items, total 15");
    const produced = out.filter((line) => line.startsWith("produced "));
    const taken = out.filter((line) => /^consumer [01] took \d$/.test(line));
    assert.deepEqual(produced, [1, 2, 3, 4, 5].map((n) => `produced ${n}`));
    assert.deepEqual(taken.map((line) => Number(line.at(-1))).sort(), [1, 2, 3, 4, 5]);
  });

  test("examples/barrier_start_line.ts lets no runner off before all are ready", async () => {
    const out = lines(await runScript("../examples/barrier_start_line.ts"));
    assert.equal(out.length, 7, out.join("\n"));
    assert.deepEqual(out.slice(0, 3).sort(), [
      "runner 1 ready",
      "runner 2 ready",
      "runner 3 ready",
    ]);
    assert.deepEqual(out.slice(3).filter((l) => l !== "bang!").sort(), [
      "runner 1 off",
      "runner 2 off",
      "runner 3 off",
    ]);
    assert.equal(out.filter((l) => l === "bang!").length, 1);
  });
});
