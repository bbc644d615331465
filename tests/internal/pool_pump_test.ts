// The pool's result pump: a result that cannot be read fails the outstanding
// tasks (the pool is broken) instead of leaving them waiting forever.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Channel } from "../../internal/channel/channel.ts";
import { BrokenPoolError, Pool } from "../../pool.ts";
import { identity } from "../fixtures/habits_targets.ts";

test("an unreadable result breaks the pool and fails its tasks", async () => {
  await using pool = new Pool(1);
  assert.deepEqual(await pool.map(identity, [1, 2]), [1, 2]);
  const tryGet = Channel.prototype.tryGet;
  const damaged = new Error("Corrupt message: unknown tag 66");
  Channel.prototype.tryGet = function (this: Channel, ...args: Parameters<typeof tryGet>) {
    if (args[0] === "reused") throw damaged;
    return tryGet.apply(this, args);
  } as typeof tryGet;
  try {
    await assert.rejects(pool.map(identity, [3, 4]), (error: unknown) => {
      assert.ok(error instanceof BrokenPoolError, String(error));
      assert.equal(error.cause, damaged);
      return true;
    });
  } finally {
    Channel.prototype.tryGet = tryGet;
  }
  // A broken pool refuses new work at the call, as one that is not running does.
  assert.throws(() => pool.apply(identity, [5]), BrokenPoolError);
});
