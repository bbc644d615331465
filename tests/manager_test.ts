import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DictProxy, KeyError, ListProxy, Manager, ManagerShutdownError } from "../manager.ts";
import { Lock, RLock } from "../lock.ts";
import { Pool } from "../pool.ts";
import { Process } from "../process.ts";
import { Queue } from "../queue.ts";
import { runAll, runScript } from "./_run.ts";
import {
  churn,
  count,
  holdDuringSort,
  keep,
  nested,
  put,
  Recorder,
  tryUse,
} from "./fixtures/manager_targets.ts";

describe("Manager dict", () => {
  test("has the Map surface and Python's methods", () => {
    using m = new Manager();
    const d = m.dict<string, number>({ a: 1 });
    assert.ok(d instanceof DictProxy);
    assert.equal(d.set("b", 2), d);
    assert.equal(d.get("a"), 1);
    assert.equal(d.get("zz"), undefined);
    assert.equal(d.get("zz", 7), 7);
    assert.equal(d.has("b"), true);
    assert.equal(d.size, 2);
    assert.deepEqual(d.keys(), ["a", "b"]);
    assert.deepEqual(d.values(), [1, 2]);
    assert.deepEqual(d.entries(), [["a", 1], ["b", 2]]);
    assert.deepEqual([...d], [["a", 1], ["b", 2]]);
    d.update([["c", 3]]);
    d.update(new Map([["d", 4]]));
    assert.equal(d.setdefault("e", 5), 5);
    assert.equal(d.setdefault("e", 6), 5);
    assert.equal(d.pop("e"), 5);
    assert.equal(d.pop("e", -1), -1);
    assert.throws(() => d.pop("e"), KeyError);
    assert.throws(() => d.getItem("e"), KeyError);
    assert.deepEqual(d.popitem(), ["d", 4]);
    assert.equal(d.delete("c"), true);
    assert.equal(d.delete("c"), false);
    const copy = d.copy();
    assert.ok(copy instanceof Map);
    assert.deepEqual([...copy], [["a", 1], ["b", 2]]);
    d.clear();
    assert.equal(d.size, 0);
    assert.throws(() => d.popitem(), KeyError);
  });

  test("values are copies, as in Python", () => {
    using m = new Manager();
    const d = m.dict<string, number[]>();
    const xs = [1, 2];
    d.set("xs", xs);
    xs.push(3);
    const got = d.get("xs")!;
    got.push(4);
    assert.deepEqual(d.get("xs"), [1, 2]);
  });

  test("four processes share one dict", async () => {
    await using m = new Manager();
    const d = m.dict<string, number>();
    const lock = new Lock();
    const names = ["a", "bb", "ccc", "dddd"];
    const ps = names.map((name) => new Process({ target: count, args: [d, lock, name] }));
    assert.deepEqual(await runAll(ps), [0, 0, 0, 0]);
    assert.equal(d.get("total"), 4);
    for (const name of names) assert.equal(d.get(name), name.length);
  });

  test("refuses keys that are not primitives and values that cannot be stored", () => {
    using m = new Manager();
    const d = m.dict<unknown, unknown>();
    assert.throws(() => d.set({}, 1), /keys must be strings, numbers/);
    assert.throws(() => d.set("f", { deep: [() => 1] }), /value\.deep\[0\] is a function/);
    assert.throws(() => d.set("lock", { l: new Lock() }), /value\.l is a shared Lock/);
    assert.equal(d.size, 0, "nothing half-stored");
  });
});

describe("Manager list", () => {
  test("has Python's methods, xs[i] and negative indexes", () => {
    using m = new Manager();
    const xs = m.list<number>([5, 3]);
    assert.ok(xs instanceof ListProxy);
    xs.append(9);
    xs.extend([1, 3]);
    xs.insert(0, 7);
    assert.deepEqual(xs.toArray(), [7, 5, 3, 9, 1, 3]);
    assert.equal(xs.length, 6);
    assert.equal(xs[0], 7);
    assert.equal(xs.get(-1), 3);
    assert.equal(xs.at(-2), 1);
    assert.equal(xs.at(10), undefined);
    xs[1] = 50;
    assert.equal(xs[1], 50);
    assert.equal(xs.count(3), 2);
    assert.equal(xs.index(3), 2);
    assert.equal(xs.index(3, 3), 5);
    assert.throws(() => xs.index(42), RangeError);
    xs.remove(3);
    assert.deepEqual(xs.slice(), [7, 50, 9, 1, 3]);
    assert.throws(() => xs.remove(42), /not in list/);
    assert.equal(xs.pop(), 3);
    assert.equal(xs.pop(0), 7);
    assert.throws(() => xs.get(3), RangeError);
    xs.sort();
    assert.deepEqual([...xs], [1, 9, 50], "numbers by value, not as strings");
    xs.sort({ reverse: true });
    assert.deepEqual(xs.slice(0, 2), [50, 9]);
    xs.sort({ key: (x) => x % 10 });
    assert.deepEqual(xs.toArray(), [50, 1, 9]);
    // A misspelt option is an error, not a sort in the other order.
    assert.throws(() => xs.sort({ revers: true } as never), {
      name: "TypeError",
      message: "Unknown option 'revers' of ListProxy.sort: it takes key, reverse",
    });
    assert.deepEqual(xs.toArray(), [50, 1, 9]);
    xs.reverse();
    assert.deepEqual(xs.toArray(), [9, 1, 50]);
    xs.clear();
    assert.throws(() => xs.pop(), /pop from empty list/);
    const mixed = m.list<unknown>([1, "a"]);
    assert.throws(() => mixed.sort(), /'<' is not supported/);
  });

  test("nests in a dict, and a child changes the nested list through it", async () => {
    await using m = new Manager();
    const d = m.dict<string, ListProxy<string>>();
    d.set("log", m.list<string>(["main"]));
    const ns = m.Namespace();
    const ps = ["p1", "p2"].map((who) => new Process({ target: nested, args: [d, ns, who] }));
    assert.deepEqual(await runAll(ps), [0, 0]);
    assert.deepEqual(d.getItem("log").toArray().sort(), ["main", "p1", "p2"]);
    assert.ok(["p1", "p2"].includes(ns.last));
  });
});

describe("Manager Namespace", () => {
  test("attributes set, read, deleted and listed like a plain object", () => {
    using m = new Manager();
    const ns = m.Namespace<{ x: number; y?: string; z?: number[] }>({ x: 1, y: "two" });
    ns.x += 1;
    ns.z = [1];
    assert.equal(ns.x, 2);
    assert.equal("y" in ns, true);
    assert.deepEqual(Object.keys(ns), ["x", "y", "z"]);
    delete ns.y;
    assert.equal(ns.y, undefined);
    assert.deepEqual({ ...ns }, { x: 2, z: [1] });
  });
});

describe("Manager", () => {
  test("proxies travel in Process subclass fields and Pool initargs", async () => {
    await using m = new Manager();
    const d = m.dict<string, string>();
    const p = new Recorder(d);
    assert.deepEqual(await runAll([p]), [0]);
    assert.equal(d.get("subclass"), p.name);
    const nums = m.dict<string, number>();
    await using pool = new Pool(2, { initializer: keep, initargs: [nums] });
    assert.deepEqual(await pool.map(put, [1, 2, 3]), [1, 2, 3]);
    assert.deepEqual(nums.keys().sort(), ["k1", "k2", "k3"]);
  });

  test("a process killed mid-update leaves every container whole and unlocked", async () => {
    await using m = new Manager();
    const d = m.dict<string, number>({ a: 0, b: 0, c: 0 });
    const xs = m.list<number>();
    const ready = new Queue<string>();
    const p = new Process({ target: churn, args: [d, xs, ready] });
    p.start();
    assert.equal(await ready.get({ timeout: 20_000 }), "go");
    await new Promise((resolve) => setTimeout(resolve, 150));
    p.kill();
    await p.join({ timeout: 20_000 });
    // Each update is one publish: the three keys always agree.
    const [a, b, c] = [d.get("a"), d.get("b"), d.get("c")];
    assert.ok(a! > 0, "the child got some updates in");
    assert.deepEqual([b, c], [a, a]);
    // A lock it held is taken over: these calls return.
    d.set("after", 1);
    xs.append(-1);
    assert.equal(d.get("after"), 1);
    assert.equal(xs.at(-1), -1);
  });

  test("a process killed while it holds a container's lock does not hold it forever", async () => {
    await using m = new Manager();
    const xs = m.list<number>([3, 1, 2]);
    const holding = new Int32Array(new SharedArrayBuffer(8));
    const p = new Process({ target: holdDuringSort, args: [xs, holding] });
    p.start();
    // Wait (bounded) until the child is inside sort(), holding the lock.
    const deadline = Date.now() + 20_000;
    while (Atomics.load(holding, 0) === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(Atomics.load(holding, 0), 1, "the child took the lock");
    p.kill();
    await p.join({ timeout: 20_000 });
    // The lock is taken over; the sort it never finished changed nothing.
    xs.append(0);
    assert.deepEqual(xs.toArray(), [3, 1, 2, 0]);
  });

  test("after shutdown every proxy fails with a clear error, here and in a child", async () => {
    const m = new Manager();
    const d = m.dict<string, number>();
    const xs = m.list<number>();
    const ns = m.Namespace();
    m.shutdown();
    m.shutdown();
    assert.throws(() => d.get("a"), ManagerShutdownError);
    assert.throws(() => xs.append(1), /has been shut down/);
    assert.throws(() => ns.x, ManagerShutdownError);
    assert.throws(() => m.dict(), ManagerShutdownError);
    assert.throws(() => m.Lock(), ManagerShutdownError);
    const out = new Queue<string>();
    assert.deepEqual(await runAll([new Process({ target: tryUse, args: [d, out] })]), [0]);
    assert.equal(
      out.getNowait(),
      "ManagerShutdownError: The Manager of this proxy has been shut down",
    );
    let kept: DictProxy | undefined;
    {
      await using m2 = new Manager();
      kept = m2.dict();
    }
    assert.throws(() => kept.size, ManagerShutdownError);
  });

  test("hands out the library's shared objects", async () => {
    using m = new Manager();
    const v = m.Value("i", 5);
    v.value += 1;
    assert.equal(v.value, 6);
    const arr = m.Array("d", [1.5, 2.5]);
    assert.deepEqual([...arr], [1.5, 2.5]);
    const q = m.Queue<number>();
    q.putNowait(1);
    assert.equal(q.getNowait(), 1);
    const jq = m.JoinableQueue<number>();
    jq.putNowait(1);
    jq.getNowait();
    jq.taskDone();
    assert.equal(await jq.join({ timeout: 1000 }), true);
    assert.ok(m.Lock().acquireSync());
    assert.ok(m.RLock() instanceof RLock);
    assert.equal(m.Semaphore(2).getValue(), 2);
    assert.throws(() => {
      const s = m.BoundedSemaphore(1);
      s.release();
    }, ValueErrorLike);
    const e = m.Event();
    e.set();
    assert.equal(e.isSet(), true);
    assert.equal(m.Barrier(1).waitSync({ timeout: 1000 }), 0);
    const cond = m.Condition();
    assert.ok(cond.acquireSync());
    cond.release();
  });

  test("examples/manager_dict.ts: four processes fill one dict", async () => {
    const { code, stdout, stderr } = await runScript("../examples/manager_dict.ts");
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trim().split(/\r?\n/), [
      "{ 1: 1, 2: 4, 3: 9, 4: 16 }",
      "squares: 4, total: 30",
    ]);
  });
});

function ValueErrorLike(error: unknown): boolean {
  return error instanceof Error && /release|bound|too many/i.test(error.message);
}
