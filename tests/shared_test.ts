import { describe, test } from "node:test";
import { runAll } from "./_run.ts";
import assert from "node:assert/strict";
import { Process } from "../process.ts";
import { Lock, RLock } from "../lock.ts";
import { RawArray, RawValue, SharedArray, Value } from "../shared.ts";
import {
  addFloat,
  doubleBig,
  Filler,
  fillSquares,
  fillViaGrandchild,
  readNested,
} from "./fixtures/shared_targets.ts";

describe("Value and RawValue", () => {
  test("hold each typecode's values, wrapping integers as ctypes does", () => {
    const cases: [string, unknown, unknown][] = [
      ["b", 127 + 1, -128],
      ["B", 256 + 3, 3],
      ["h", 32768, -32768],
      ["H", -1, 65535],
      ["i", 2 ** 31, -(2 ** 31)],
      ["I", -1, 2 ** 32 - 1],
      ["l", 2n ** 63n, -(2n ** 63n)],
      ["L", -1n, 2n ** 64n - 1n],
      ["q", 5, 5n],
      ["Q", 2n ** 64n + 2n, 2n],
      ["f", 0.1, Math.fround(0.1)],
      ["d", 0.1, 0.1],
    ];
    for (const [code, input, stored] of cases) {
      const v = new Value(code as "i", input as number);
      assert.equal(v.value, stored, `typecode ${code}`);
      const raw = new RawValue(code as "i");
      raw.value = input as number;
      assert.equal(raw.value, stored, `raw typecode ${code}`);
      assert.equal(v.typecode, code);
    }
    assert.equal(new Value("i").value, 0);
    assert.equal(new Value("q").value, 0n);
  });

  test("a bad typecode or a value of the wrong type is a TypeError", () => {
    assert.throws(() => new Value("x" as never), { name: "TypeError", message: /'typecode'.*"x"/ });
    assert.throws(() => new RawValue("c" as never), TypeError);
    assert.throws(() => new Value("i", 1.5), { name: "TypeError", message: /integer/ });
    assert.throws(() => new Value("i", "1" as never), TypeError);
    assert.throws(() => new Value("q", 1.5 as never), TypeError);
    assert.throws(() => new Value("d", 1n as never), TypeError);
    const v = new Value("i", 1);
    assert.throws(() => (v.value = NaN), TypeError);
    assert.equal(v.value, 1);
  });

  test("the lock is a fresh RLock, none with lock: false, or the one given", () => {
    const v = new Value("i", 0);
    assert.ok(v.getLock() instanceof RLock);
    assert.notEqual(new Value("i").getLock(), v.getLock());
    const lock = new Lock();
    assert.equal(new Value("i", 0, { lock }).getLock(), lock);
    assert.throws(() => new Value("i", 0, { lock: false }).getLock(), {
      name: "TypeError",
      message: /lock: false/,
    });
    assert.throws(() => new Value("i", 0, { lock: "yes" as never }), {
      name: "TypeError",
      message: /'lock'/,
    });
    assert.throws(() => new Value("i", 0, null as never), {
      name: "TypeError",
      message: /'options'/,
    });
  });

  test("reading and writing under a held plain Lock does not deadlock", () => {
    const lock = new Lock();
    const v = new Value("i", 1, { lock });
    lock.withLockSync(() => v.value += 1);
    assert.equal(v.value, 2);
    assert.equal(lock.locked(), false);
  });

  test("three processes add to a float Value under its lock: none lost", async () => {
    const v = new Value("d", 0);
    const ps = [0, 1, 2].map(() => new Process({ target: addFloat, args: [v, 0.5, 5000] }));
    assert.deepEqual(await runAll(ps), [0, 0, 0]);
    assert.equal(v.value, 7500);
  });

  test("64-bit values and elements are bigints in every process", async () => {
    const v = new Value("q", 21n);
    const arr = new SharedArray("Q", 2);
    assert.deepEqual(await runAll([new Process({ target: doubleBig, args: [v, arr] })]), [0]);
    assert.equal(v.value, 42n);
    assert.deepEqual(arr.toArray(), [2n ** 64n - 1n, 7n]);
  });

  test("shared objects nested in args reach the child alive, and writes come back", async () => {
    const nested = {
      a: { value: new Value("i", 5) },
      list: [new RawValue("h", -3), new RawArray("d", [1, 2.5])] as [RawValue<"h">, RawArray<"d">],
    };
    const out = new RawArray("d", 3);
    assert.deepEqual(await runAll([new Process({ target: readNested, args: [nested, out] })]), [0]);
    assert.deepEqual(out.toArray(), [5, -3, 2.5]);
    assert.equal(nested.a.value.value, 99);
  });
});

describe("SharedArray and RawArray", () => {
  test("index, negative index, length, iteration, toArray and slice", () => {
    for (const arr of [new SharedArray("i", [1, 2, 3]), new RawArray("i", [1, 2, 3])]) {
      arr[0] = 10;
      arr.set(1, 20);
      assert.equal(arr[0], 10);
      assert.equal(arr.get(1), 20);
      assert.equal(arr[-1], 3);
      assert.equal(arr.length, 3);
      assert.deepEqual([...arr], [10, 20, 3]);
      assert.deepEqual(arr.toArray(), [10, 20, 3]);
      assert.deepEqual(arr.slice(1), [20, 3]);
      assert.equal(2 in arr, true);
      assert.equal(3 in arr, false);
      assert.equal(String(arr), `${arr.constructor.name}('i', [10, 20, 3])`);
    }
    assert.deepEqual(new SharedArray("d", 2).toArray(), [0, 0]);
    assert.equal(new RawArray("b", 0).length, 0);
  });

  test("an out-of-range index is a RangeError; a bad size or element is an error", () => {
    const arr = new SharedArray("i", 3);
    assert.throws(() => arr[3], { name: "RangeError", message: /Index 3 is out of range/ });
    assert.throws(() => arr[-4], RangeError);
    assert.throws(() => (arr[5] = 1), RangeError);
    assert.throws(() => arr.get(1.5), TypeError);
    assert.throws(() => (arr[0] = 0.5), TypeError);
    assert.throws(() => new SharedArray("i", -1), {
      name: "RangeError",
      message: /'sizeOrValues'/,
    });
    assert.throws(() => new SharedArray("i", 1.5), {
      name: "TypeError",
      message: /'sizeOrValues'/,
    });
    assert.throws(() => new RawArray("i", "3" as never), TypeError);
    assert.throws(() => new RawArray("i", [1, "x" as never]), TypeError);
    assert.throws(() => new SharedArray("z" as never, 1), {
      name: "TypeError",
      message: /'typecode'/,
    });
  });

  test("integer elements wrap on overflow", () => {
    const arr = new RawArray("B", [255]);
    arr[0] = arr[0] + 1;
    assert.equal(arr[0], 0);
  });

  test("getLock gives the array's lock; lock: false has none", () => {
    const lock = new RLock();
    assert.equal(new SharedArray("i", 1, { lock }).getLock(), lock);
    assert.ok(new SharedArray("i", 1).getLock() instanceof RLock);
    assert.throws(() => new SharedArray("i", 1, { lock: false }).getLock(), TypeError);
  });

  test("a child's writes are seen by the parent, for both kinds", async () => {
    const shared = new SharedArray("i", 5);
    const raw = new RawArray("i", 5);
    const ps = [
      new Process({ target: fillSquares, args: [shared] }),
      new Process({ target: fillSquares, args: [raw] }),
    ];
    assert.deepEqual(await runAll(ps), [0, 0]);
    assert.deepEqual(shared.toArray(), [0, 1, 4, 9, 16]);
    assert.deepEqual(raw.toArray(), [0, 1, 4, 9, 16]);
  });

  test("an array travels onward to a grandchild, and as a Process subclass field", async () => {
    const arr = new SharedArray("i", 4);
    assert.deepEqual(await runAll([new Process({ target: fillViaGrandchild, args: [arr] })]), [0]);
    assert.deepEqual(arr.toArray(), [0, 1, 4, 9]);
    assert.deepEqual(await runAll([new Filler(arr, 7)]), [0]);
    assert.deepEqual(arr.toArray(), [7, 7, 7, 7]);
  });
});
