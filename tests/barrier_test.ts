import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Process } from "../process.ts";
import { Barrier, BrokenBarrierError, Event } from "../lock.ts";
import { RawArray } from "../shared.ts";
import { arriveAndHang, party } from "./fixtures/lock_targets.ts";

const BOUND = { timeout: 30_000 };

describe("Barrier", () => {
  test("each party of a round gets a distinct arrival index", async () => {
    const barrier = new Barrier(3);
    assert.equal(barrier.parties, 3);
    for (let round = 0; round < 3; round++) {
      const indices = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
      assert.deepEqual([...indices].sort(), [0, 1, 2]);
    }
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  });

  test("a one-party barrier never waits", () => {
    const barrier = new Barrier(1);
    assert.equal(barrier.waitSync(), 0);
    assert.equal(barrier.waitSync(), 0);
  });

  test("bad parties and options are errors naming them", () => {
    assert.throws(() => new Barrier(0), { name: "RangeError", message: /'parties'/ });
    assert.throws(() => new Barrier(-2), RangeError);
    assert.throws(() => new Barrier(2.5), { name: "TypeError", message: /'parties'/ });
    assert.throws(() => new Barrier(2, { action: 1 as never }), {
      name: "TypeError",
      message: /'action'/,
    });
    assert.throws(() => new Barrier(2, { timeout: "1" as never }), {
      name: "TypeError",
      message: /'timeout'/,
    });
    assert.throws(() => new Barrier(2, { timout: 1 } as never), {
      name: "TypeError",
      message: /Unknown option 'timout' of new Barrier/,
    });
    assert.throws(() => new Barrier(2).waitSync(5 as never), {
      name: "TypeError",
      message: /'options' of Barrier.waitSync must be an object/,
    });
  });

  test("a negative timeout counts as 0: the wait times out at once and breaks it", async () => {
    const barrier = new Barrier(2);
    assert.throws(() => barrier.waitSync({ timeout: -1 }), BrokenBarrierError);
    assert.equal(barrier.broken, true);
    barrier.reset();
    await assert.rejects(barrier.wait({ timeout: -1 }), BrokenBarrierError);
    assert.equal(new Barrier(1, { timeout: -5 }).waitSync(), 0);
  });

  test("a timeout breaks the barrier for everyone until reset()", async () => {
    const barrier = new Barrier(3);
    const first = barrier.wait();
    assert.equal(barrier.nWaiting, 1);
    await assert.rejects(barrier.wait({ timeout: 20 }), BrokenBarrierError);
    await assert.rejects(first, BrokenBarrierError);
    assert.equal(barrier.broken, true);
    assert.throws(() => barrier.waitSync(), BrokenBarrierError);
    barrier.reset();
    assert.equal(barrier.broken, false);
    const indices = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
    assert.deepEqual([...indices].sort(), [0, 1, 2]);
  });

  test("the default timeout comes from the options", async () => {
    const barrier = new Barrier(2, { timeout: 10 });
    await assert.rejects(barrier.wait(), BrokenBarrierError);
  });

  test("abort() breaks the barrier for a waiting party", async () => {
    const barrier = new Barrier(2);
    const waiting = barrier.wait();
    setTimeout(() => barrier.abort(), 10);
    await assert.rejects(waiting, { name: "BrokenBarrierError" });
    assert.equal(barrier.broken, true);
  });

  test("reset() while a party waits breaks its wait, then the barrier works", async () => {
    const barrier = new Barrier(2);
    const waiting = barrier.wait({ timeout: 10_000 });
    setTimeout(() => barrier.reset(), 10);
    await assert.rejects(waiting, BrokenBarrierError);
    assert.equal(barrier.broken, false);
    assert.deepEqual((await Promise.all([barrier.wait(), barrier.wait()])).sort(), [0, 1]);
  });

  test("the action runs once per round, and one that throws breaks the barrier", async () => {
    let runs = 0;
    const barrier = new Barrier(2, { action: () => void runs++ });
    await Promise.all([barrier.wait(), barrier.wait()]);
    await Promise.all([barrier.wait(), barrier.wait()]);
    assert.equal(runs, 2);
    const failing = new Barrier(2, {
      action: () => {
        throw new Error("action failed");
      },
    });
    const results = await Promise.allSettled([failing.wait(), failing.wait()]);
    assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
    assert.equal(failing.broken, true);
  });

  test("a barrier with an action cannot be sent to a process", () => {
    const barrier = new Barrier(2, { action: () => {} });
    assert.throws(
      () => new Process({ target: party, args: [barrier, new RawArray("i", 1), 0, 1] }),
      { name: "TypeError", message: /action/ },
    );
  });

  test("three processes meet three times with distinct indices each round", async () => {
    const barrier = new Barrier(3);
    const out = new RawArray("i", 9);
    const ps = [0, 1, 2].map((i) => new Process({ target: party, args: [barrier, out, i, 3] }));
    for (const p of ps) p.start();
    for (const p of ps) await p.join(BOUND);
    assert.deepEqual(ps.map((p) => p.exitcode), [0, 0, 0]);
    for (let round = 0; round < 3; round++) {
      const indices = [0, 1, 2].map((i) => out[i * 3 + round]).sort();
      assert.deepEqual(indices, [0, 1, 2]);
    }
  });

  test("a party killed while waiting breaks the barrier for the rest", async () => {
    const barrier = new Barrier(3);
    const ready = new Event();
    const doomed = new Process({ target: arriveAndHang, args: [barrier, ready] });
    doomed.start();
    assert.equal(await ready.wait({ timeout: 20_000 }), true);
    // Let it arrive, then kill it inside wait().
    for (let i = 0; i < 200 && barrier.nWaiting < 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(barrier.nWaiting, 1);
    doomed.kill();
    await doomed.join(BOUND);
    await assert.rejects(barrier.wait({ timeout: 10_000 }), BrokenBarrierError);
    barrier.reset();
    assert.equal(barrier.nWaiting, 0);
    const out = new RawArray("i", 2);
    const ps = [0, 1].map((i) => new Process({ target: party, args: [barrier, out, i, 1] }));
    for (const p of ps) p.start();
    const index = await barrier.wait({ timeout: 20_000 });
    for (const p of ps) await p.join(BOUND);
    assert.deepEqual([index, out[0], out[1]].sort(), [0, 1, 2]);
  });
});
