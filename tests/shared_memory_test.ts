import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  FileExistsError,
  FileNotFoundError,
  type ShareableItem,
  ShareableList,
  SharedMemory,
} from "../shared_memory.ts";
import { Process } from "../process.ts";
import { Queue } from "../queue.ts";
import { runAll, runScript } from "./_run.ts";
import {
  createAndHang,
  editList,
  sumByName,
  tryAttach,
  writeByName,
  writeHeld,
} from "./fixtures/shared_memory_targets.ts";

describe("SharedMemory", () => {
  test("a new block is zero-filled; attaching by name sees the same bytes", () => {
    using a = new SharedMemory({ create: true, size: 100 });
    assert.match(a.name, /^psm_[0-9a-f]{16}$/);
    assert.equal(a.size, 100);
    assert.equal(a.buf.length, 100);
    assert.ok(a.buf.every((b) => b === 0));
    using b = new SharedMemory({ name: a.name, size: 5 });
    assert.equal(b.size, 100, "size is the block's when attaching, as in Python");
    b.buf[99] = 42;
    assert.equal(a.buf[99], 42);
    a.unlink();
  });

  test("children attach by name, or get the block in args at any depth", async () => {
    using shm = new SharedMemory({ name: "test_children", create: true, size: 4 });
    const ps = [
      new Process({ target: writeByName, args: ["test_children", 0, 11] }),
      new Process({ target: writeByName, args: ["test_children", 1, 22] }),
      new Process({ target: writeHeld, args: [{ deep: [shm] }, 2, 33] }),
    ];
    assert.deepEqual(await runAll(ps), [0, 0, 0]);
    assert.deepEqual([...shm.buf], [11, 22, 33, 0]);
    shm.unlink();
  });

  test("names: a taken name, an unknown name, an unlinked name", () => {
    const a = new SharedMemory({ name: "test_names", create: true, size: 8 });
    assert.throws(
      () => new SharedMemory({ name: "test_names", create: true, size: 8 }),
      (e: Error) => e instanceof FileExistsError && /File exists: 'test_names'/.test(e.message),
    );
    assert.throws(() => new SharedMemory({ name: "test_nobody" }), FileNotFoundError);
    a.unlink();
    assert.throws(() => new SharedMemory({ name: "test_names" }), FileNotFoundError);
    assert.throws(() => a.unlink(), FileNotFoundError);
    a.buf[0] = 1; // still open: the memory stays until closed
    a.close();
    assert.throws(() => a.buf, /closed/);
    a.close();
    // The name is free again.
    using b = new SharedMemory({ name: "test_names", create: true, size: 8 });
    assert.ok(b.buf.every((x) => x === 0), "a reused block is zero-filled");
    b.unlink();
  });

  test("bad sizes and options are refused with clear errors", () => {
    assert.throws(() => new SharedMemory({ create: true }), /'size' must be a positive/);
    assert.throws(() => new SharedMemory({ create: true, size: -1 }), RangeError);
    assert.throws(() => new SharedMemory({ create: true, size: 1.5 }), RangeError);
    assert.throws(() => new SharedMemory({ create: true, size: 2 ** 32 }), RangeError);
    assert.throws(() => new SharedMemory({ create: true, size: "8" as never }), TypeError);
    assert.throws(() => new SharedMemory({}), /'name' can only be left out/);
    assert.throws(() => new SharedMemory({ name: "x".repeat(300) }), RangeError);
    assert.throws(
      () => new SharedMemory({ create: true, size: 8, mode: 0o600 } as never),
      /Unknown option 'mode'/,
    );
  });

  test("a process killed while holding a block leaves it whole and usable", async () => {
    const names = new Queue<string>();
    const p = new Process({ target: createAndHang, args: [names] });
    p.start();
    const name = await names.get({ timeout: 20_000 });
    p.kill();
    await p.join({ timeout: 20_000 });
    assert.equal(p.exitcode, -9);
    using shm = new SharedMemory({ name });
    assert.deepEqual([...shm.buf], new Array(16).fill(9));
    shm.unlink();
    const out = new Queue<string>();
    assert.deepEqual(await runAll([new Process({ target: tryAttach, args: [name, out] })]), [0]);
    assert.equal(out.getNowait(), "FileNotFoundError");
  });

  test("examples/shared_memory_fill.ts: four workers fill one block", async () => {
    const { code, stdout, stderr } = await runScript("../examples/shared_memory_fill.ts");
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trim().split(/\r?\n/), [
      "0 0 0 0 1 1 1 1 2 2 2 2 3 3 3 3",
      "sum 24",
    ]);
  });
});

describe("ShareableList", () => {
  test("holds Python's types, in fixed slots; xs[i] and negative indexes", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const xs = new ShareableList<ShareableItem>(["howdy", 2.5, -7n, true, null, bytes]);
    assert.deepEqual(xs.toArray(), ["howdy", 2.5, -7n, true, null, bytes]);
    assert.equal(xs.length, 6);
    assert.equal(xs[0], "howdy");
    assert.equal(xs[-1] instanceof Uint8Array, true);
    assert.equal(xs.format, "8sdq?x8s");
    xs[1] = "fits";
    xs[4] = 12345678n;
    assert.equal(xs.get(1), "fits");
    assert.equal(xs[4], 12345678n);
    assert.throws(() => (xs[0] = "more than eight bytes"), /exceeds available storage/);
    assert.equal(xs[0], "howdy", "a refused write changes nothing");
    assert.throws(() => xs.get(6), RangeError);
    assert.throws(() => xs.set(0, {} as never), /item 0 must be a number/);
    assert.throws(() => new ShareableList([undefined as never]), /sequence\[0\]/);
    assert.throws(() => new ShareableList([2n ** 64n]), RangeError);
    assert.equal(xs.count(true), 1);
    assert.equal(xs.index(true), 3);
    assert.throws(() => xs.index(false), RangeError);
    xs.shm.close();
    xs.shm.unlink();
  });

  test("a child edits it through args; another attaches by name", async () => {
    const xs = new ShareableList<string | number | null>(["abc", 1, "z"], { name: "test_list" });
    assert.deepEqual(await runAll([new Process({ target: editList, args: [xs] })]), [0]);
    assert.deepEqual(xs.toArray(), ["ABC", 2, null]);
    const sums = new ShareableList([0, 1, 2, 3, 4]);
    assert.deepEqual(
      await runAll([new Process({ target: sumByName, args: [sums.shm.name] })]),
      [0],
    );
    assert.equal(sums[0], 10);
    for (const l of [xs, sums]) {
      l.shm.close();
      l.shm.unlink();
    }
    assert.throws(() => new ShareableList(null, { name: "test_list" }), FileNotFoundError);
    assert.throws(() => new ShareableList(), /Give a 'sequence'/);
  });
});
