import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodeArgs, encodeArgs } from "../../internal/shareable.ts";
import { Process } from "../../process.ts";
import { bumpAll, CounterProcess, passOn, SharedCounter } from "../fixtures/share_targets.ts";

const BOUND = { timeout: 20_000 };

describe("Sharing objects with processes", () => {
  test("shared objects at any depth of args are the same memory in the child", async () => {
    const direct = new SharedCounter();
    const inList = new SharedCounter();
    const inMap = new SharedCounter();
    const nested = {
      direct,
      deep: { list: [0, inList] as [number, SharedCounter] },
      map: new Map([["m", inMap]]),
      same: direct,
    };
    const p = new Process({ target: bumpAll, args: [nested, 2] });
    p.start();
    await p.join(BOUND);
    assert.equal(p.exitcode, 0, p.error?.message);
    assert.deepEqual([direct.value, inList.value, inMap.value], [2, 20, 200]);
  });

  test("a shared object in a Process subclass field is shared", async () => {
    const counter = new SharedCounter();
    const p = new CounterProcess(counter);
    p.start();
    await p.join(BOUND);
    assert.equal(p.exitcode, 0, p.error?.message);
    assert.equal(counter.value, 5);
  });

  test("a child can hand a shared object on to its own child", async () => {
    const counter = new SharedCounter();
    const p = new Process({ target: passOn, args: [counter] });
    p.start();
    await p.join(BOUND);
    assert.equal(p.exitcode, 0, p.error?.message);
    assert.equal(counter.value, 2);
  });

  test("encode and decode keep cycles, Maps, Sets and plain data", async () => {
    const counter = new SharedCounter();
    const value: Record<string, unknown> = { n: 1, s: "x", set: new Set([1, 2]), d: new Date(0) };
    value.self = value;
    value.counter = counter;
    const encoded = structuredClone(encodeArgs([value], "args"));
    const [decoded] = await decodeArgs(encoded) as [Record<string, unknown>];
    assert.equal(decoded.self, decoded);
    assert.deepEqual(decoded.set, new Set([1, 2]));
    assert.deepEqual(decoded.d, new Date(0));
    assert.ok(decoded.counter instanceof SharedCounter);
    (decoded.counter as SharedCounter).add(3);
    assert.equal(counter.value, 3);
  });

  test("what cannot be sent is named by its path", () => {
    assert.throws(() => encodeArgs([{ m: new Map([["k", () => 1]]) }], "args"), {
      name: "TypeError",
      message: /^args\[0\]\.m\.get\("k"\) is a function/,
    });
  });
});
