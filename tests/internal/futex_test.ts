// The async wait under every async blocking call: woken by a notify, ended by
// its deadline, an abort or a change of the word, and in every case leaving
// no waiter of its own behind on the word (a later notify finds none).
import { test } from "node:test";
import assert from "node:assert/strict";
import { describe, waitAsync } from "../../internal/wait/futex.ts";

const word = (): Int32Array => new Int32Array(new SharedArrayBuffer(8));

/**
 * Waits on a fresh word, changes it and notifies after `ms`, and checks that
 * the notify woke the wait (one waiter) and that none is left after it.
 */
async function wokenAfter(ms: number): Promise<void> {
  const i32 = word();
  const waiting = waitAsync(i32, 0, 0, performance.now() + 10_000);
  await new Promise((resolve) => setTimeout(resolve, ms));
  Atomics.store(i32, 0, 1);
  assert.equal(Atomics.notify(i32, 0), 1);
  assert.equal(await waiting, "ok");
  assert.equal(Atomics.notify(i32, 0), 0);
}

test("a notify wakes the wait, which leaves no waiter behind", () => wokenAfter(20));

test("a word already changed is not waited on", async () => {
  const i32 = word();
  i32[0] = 5;
  assert.equal(await waitAsync(i32, 0, 0, performance.now() + 10_000), "not-equal");
  assert.equal(Atomics.notify(i32, 0), 0);
});

test("a deadline ends the wait, which leaves no waiter behind", async () => {
  const i32 = word();
  assert.equal(await waitAsync(i32, 0, 0, performance.now() + 30), "timed-out");
  assert.equal(Atomics.notify(i32, 0), 0);
  assert.equal(await waitAsync(i32, 0, 0, performance.now() - 1), "timed-out");
  assert.equal(Atomics.notify(i32, 0), 0);
});

test("an abort rejects with its reason and leaves no waiter behind", async () => {
  const i32 = word();
  const controller = new AbortController();
  const waiting = waitAsync(i32, 0, 0, performance.now() + 10_000, controller.signal);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const reason = new Error("stop waiting");
  controller.abort(reason);
  await assert.rejects(waiting, (error) => error === reason);
  assert.equal(Atomics.notify(i32, 0), 0);
});

test("a change seen without a wake ends the wait at its next slice, leaving no waiter", async () => {
  const i32 = word();
  const waiting = waitAsync(i32, 0, 0, performance.now() + 10_000);
  await new Promise((resolve) => setTimeout(resolve, 20));
  // Changed with no notify: the wait sees it once its slice (200 ms) is over.
  Atomics.store(i32, 0, 1);
  assert.equal(await waiting, "not-equal");
  assert.equal(Atomics.notify(i32, 0), 0);
});

// Past the first slice (200 ms), the wait sleeps a slice at a time.
test("a wait longer than a slice is still woken by a notify, and leaves no waiter", () =>
  wokenAfter(350));

test("two waits on one word are both woken by one notify", async () => {
  const i32 = word();
  const deadline = performance.now() + 10_000;
  const both = Promise.all([waitAsync(i32, 0, 0, deadline), waitAsync(i32, 0, 0, deadline)]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  Atomics.store(i32, 0, 1);
  assert.equal(Atomics.notify(i32, 0), 2);
  assert.deepEqual(await both, ["ok", "ok"]);
});

test("describe names a value for an error message once, undefined and null included", () => {
  assert.equal(describe(undefined), "undefined");
  assert.equal(describe(null), "null");
  assert.equal(describe(3), "number 3");
  assert.equal(describe("x"), '"x"');
  assert.equal(describe([1]), "an array");
});
