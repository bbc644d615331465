import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { getContext } from "../context.ts";
import { getStartMethod, Process } from "../process.ts";
import { Pool } from "../pool.ts";
import { Queue } from "../queue.ts";
import { Manager } from "../manager.ts";
import { runAll } from "./_run.ts";
import { put, Shouter, triple } from "./fixtures/context_targets.ts";

describe("getContext", () => {
  test("returns one context per method, bound to it, with the module's API", () => {
    const spawn = getContext("spawn");
    assert.equal(getContext("spawn"), spawn);
    assert.equal(spawn.getStartMethod(), "spawn");
    assert.equal(getContext("forkserver").getStartMethod(), "forkserver");
    assert.equal(getContext().getStartMethod(), getStartMethod());
    assert.equal(spawn.Queue, Queue);
    assert.equal(spawn.Manager, Manager);
    assert.ok(new spawn.Process() instanceof Process);
    assert.equal(spawn.getContext("forkserver"), getContext("forkserver"));
    assert.ok(Object.isFrozen(spawn));
  });

  for (const method of ["spawn", "forkserver"] as const) {
    test(`ctx.Process and ctx.Pool of "${method}" run their targets`, async () => {
      const ctx = getContext(method);
      const q = new ctx.Queue<string>();
      const ps = ["a", "b"].map((t) => new ctx.Process({ target: put, args: [q, t] }));
      assert.deepEqual(await runAll(ps), [0, 0]);
      assert.deepEqual([q.getNowait(), q.getNowait()].sort(), ["a", "b"]);
      await using pool = new ctx.Pool(2);
      assert.ok(pool instanceof Pool);
      assert.deepEqual(await pool.map(triple, [1, 2, 3]), [3, 6, 9]);
      await using pool2 = new ctx.Pool({ processes: 1 });
      assert.equal(await pool2.apply(triple, [5]), 15);
    });
  }

  test("a subclass of a context's Process is rebuilt in the child", async () => {
    const q = new Queue<string>();
    const p = new Shouter(q);
    assert.deepEqual(await runAll([p]), [0]);
    assert.equal(q.getNowait(), `${p.name} shouts`);
  });

  test("an unknown method is a RangeError", () => {
    assert.throws(() => getContext("fork" as never), /cannot be forked/);
    assert.throws(() => getContext("thread" as never), RangeError);
  });
});
