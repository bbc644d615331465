import { describe, test } from "node:test";
import { runAll } from "./_run.ts";
import assert from "node:assert/strict";
import { Process } from "../process.ts";
import { Condition, Event, Lock, RLock } from "../lock.ts";
import { RawArray } from "../shared.ts";
import { awaitEvent, consume, produce, waitOnce } from "./fixtures/lock_targets.ts";

const BOUND = { timeout: 30_000 };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `done()` holds, checking every 5 ms; throws after 20 s. */
async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`never ${what}`);
    await sleep(5);
  }
}

describe("Condition", () => {
  test("waiting, notifying or waitFor without holding the lock throws RangeError", async () => {
    const cond = new Condition();
    assert.throws(() => cond.waitSync({ timeout: 1 }), {
      name: "RangeError",
      message: /does not hold/,
    });
    await assert.rejects(cond.wait({ timeout: 1 }), RangeError);
    assert.throws(() => cond.waitForSync(() => true), RangeError);
    assert.throws(() => cond.notify(), RangeError);
    assert.throws(() => cond.notifyAll(), RangeError);
  });

  test("bad arguments are errors naming them", () => {
    assert.throws(() => new Condition({} as never), { name: "TypeError", message: /'lock'/ });
    const cond = new Condition();
    cond.withLockSync(() => {
      assert.throws(() => cond.notify(-1), { name: "RangeError", message: /'n'/ });
      assert.throws(() => cond.notify(1.5), { name: "TypeError", message: /'n'/ });
      assert.equal(cond.waitSync({ timeout: -1 }), false);
      assert.throws(() => cond.waitSync({ timeout: 1, signal: undefined } as never), {
        name: "TypeError",
        message: /'signal' cannot stop Condition.waitSync/,
      });
      assert.throws(() => cond.waitForSync("x" as never), {
        name: "TypeError",
        message: /'predicate'/,
      });
    });
  });

  test("wait returns false after its timeout and holds the lock again", async () => {
    for (const lock of [new Lock(), new RLock(), undefined]) {
      const cond = new Condition(lock);
      await cond.withLock(async () => {
        assert.equal(cond.waitSync({ timeout: 10 }), false);
        assert.equal(await cond.wait({ timeout: 10 }), false);
        cond.release(); // still held: this does not throw
        cond.acquireSync();
      });
    }
  });

  test("an RLock held twice is fully released while waiting and restored after", async () => {
    const lock = new RLock();
    const cond = new Condition(lock);
    lock.acquireSync();
    lock.acquireSync();
    const waiting = cond.wait({ timeout: 5000 });
    // The waiter released both levels: another task can take it now.
    assert.equal(lock.locked(), false);
    await cond.withLock(() => cond.notify());
    assert.equal(await waiting, true);
    lock.release();
    assert.equal(lock.locked(), true);
    lock.release();
    assert.equal(lock.locked(), false);
  });

  test("notify(n) wakes exactly n waiting tasks, notifyAll the rest", async () => {
    const cond = new Condition();
    let waiting = 0;
    let woken = 0;
    const waiters = Array.from({ length: 5 }, () =>
      cond.withLock(async () => {
        waiting++;
        if (await cond.wait({ timeout: 20_000 })) woken++;
      }));
    // Each counts itself holding the lock, which wait() lets go only once it
    // waits: so when the lock is taken after all five counted, all five wait.
    await until("five waiting", () => waiting === 5);
    await cond.withLock(() => cond.notify(2));
    await until("two woken", () => woken >= 2);
    // A third waiter woken by notify(2) would show by now (nothing else wakes
    // them before notifyAll); waiting longer only makes that surer.
    await sleep(100);
    assert.equal(woken, 2);
    await cond.withLock(() => cond.notifyAll());
    await Promise.all(waiters);
    assert.equal(woken, 5);
  });

  test("waitFor returns the predicate's value, or its last falsy value at the timeout", async () => {
    const cond = new Condition();
    let value = 0;
    setTimeout(() => cond.withLockSync(() => (value = 3, cond.notifyAll())), 20);
    assert.equal(await cond.withLock(() => cond.waitFor(() => value, { timeout: 10_000 })), 3);
    assert.equal(cond.withLockSync(() => cond.waitForSync(() => value - 3, { timeout: 10 })), 0);
  });

  test("an aborted wait rejects, and still holds the lock again first", async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    const controller = new AbortController();
    await lock.acquire();
    setTimeout(() => controller.abort(new Error("stop")), 10);
    await assert.rejects(cond.wait({ signal: controller.signal }), { message: "stop" });
    assert.equal(lock.locked(), true);
    lock.release();
  });

  test("a producer and two consumer processes pass 200 items with none lost", async () => {
    const cond = new Condition();
    const box = new RawArray("i", 3);
    const ps = [
      new Process({ target: consume, args: [cond, box, 100] }),
      new Process({ target: consume, args: [cond, box, 100] }),
      new Process({ target: produce, args: [cond, box, 200] }),
    ];
    assert.deepEqual(await runAll(ps), [0, 0, 0]);
    assert.deepEqual(box.toArray(), [0, 200, 200]);
  });

  test("notifyAll wakes every waiting process", async () => {
    const cond = new Condition();
    const box = new RawArray("i", 2);
    const ps = [0, 1, 2, 3].map(() => new Process({ target: waitOnce, args: [cond, box, 20_000] }));
    for (const p of ps) p.start();
    // Each child counts itself under the lock and waits before releasing
    // it, so once the count is 4 (read under the lock) all four wait.
    for (let i = 0; i < 2000 && await cond.withLock(() => box[0]) < 4; i++) await sleep(10);
    await cond.withLock(() => cond.notifyAll());
    for (const p of ps) await p.join(BOUND);
    assert.deepEqual(ps.map((p) => p.exitcode), [0, 0, 0, 0]);
    assert.deepEqual(box.toArray(), [4, 4]);
  });
});

describe("Event", () => {
  test("set, clear and isSet; wait returns whether it is set", async () => {
    const event = new Event();
    assert.equal(event.isSet(), false);
    assert.equal(event.waitSync({ timeout: 5 }), false);
    assert.equal(await event.wait({ timeout: 5 }), false);
    event.set();
    assert.equal(event.isSet(), true);
    assert.equal(event.waitSync(), true);
    assert.equal(await event.wait(), true);
    event.clear();
    assert.equal(event.isSet(), false);
    event.clear();
    assert.equal(event.waitSync({ timeout: -1 }), false);
    assert.equal(await event.wait({ timeout: -1 }), false);
    assert.throws(() => event.waitSync({ timeot: 5 } as never), {
      name: "TypeError",
      message: /Unknown option 'timeot' of Event.waitSync/,
    });
  });

  test("set wakes every waiting process, and a timeout is reported as not set", async () => {
    const event = new Event();
    const out = new RawArray("i", 4);
    const ps = [0, 1, 2].map((i) =>
      new Process({ target: awaitEvent, args: [event, out, i, 20_000] })
    );
    for (const p of ps) p.start();
    await sleep(100);
    event.set();
    for (const p of ps) await p.join(BOUND);
    const late = new Event();
    await runAll([new Process({ target: awaitEvent, args: [late, out, 3, 20] })]);
    assert.deepEqual(out.toArray(), [1, 1, 1, 2]);
  });
});
