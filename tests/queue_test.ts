import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Process } from "../process.ts";
import { Empty, Full, JoinableQueue, Queue, QueueClosedError, SimpleQueue } from "../queue.ts";
import { Pipe } from "../pipe.ts";
import {
  consume,
  doubler,
  fillBounded,
  getForever,
  join,
  nestedGet,
  produce,
  putAllAtOnce,
  putBig,
  putForever,
  putUnawaited,
  Reporter,
  simpleEcho,
  square,
} from "./fixtures/queue_targets.ts";

const BOUND = { timeout: 30_000 };

async function joinAll(ps: Process[]): Promise<void> {
  for (const p of ps) await p.join(BOUND);
  for (const p of ps) {
    if (p.isAlive()) p.kill();
    assert.equal(p.exitcode, 0, `${p.name} ended with ${p.exitcode}: ${p.error?.stack}`);
  }
}

function start(ps: Process[]): Process[] {
  for (const p of ps) p.start();
  return ps;
}

const CLOSED = { name: "QueueClosedError", message: "Queue is closed" };

describe("Queue in one process", () => {
  test("items come out in the order they were put, as copies", async () => {
    const q = new Queue<unknown>();
    const obj = { a: [1, 2], b: "x" };
    await q.put(obj);
    q.putSync(2);
    q.putNowait("three");
    assert.equal(q.qsize(), 3);
    const got = await q.get();
    assert.deepEqual(got, obj);
    assert.notEqual(got, obj);
    assert.equal(q.getSync(), 2);
    assert.equal(q.getNowait(), "three");
    assert.equal(q.empty(), true);
  });

  test("get throws Empty at once with block false, and after its timeout", async () => {
    const q = new Queue<number>();
    assert.throws(() => q.getNowait(), Empty);
    await assert.rejects(q.get({ block: false }), Empty);
    await assert.rejects(q.get({ timeout: 20 }), Empty);
    assert.throws(() => q.getSync({ timeout: 20 }), Empty);
    await assert.rejects(
      q.get({ timeout: 0 }),
      (e: Error) => e instanceof Empty && e.name === "Empty",
    );
  });

  test("a maxsize of 0 or less is no bound, as in Python", () => {
    for (const maxsize of [0, -1, -100]) {
      const q = new Queue<number>(maxsize);
      assert.equal(q.maxsize, 0);
      for (let i = 0; i < 1000; i++) q.putNowait(i);
      assert.equal(q.full(), false);
      assert.equal(q.qsize(), 1000);
      for (let i = 0; i < 1000; i++) assert.equal(q.getNowait(), i);
    }
  });

  test("a bounded queue throws Full, and full() says so", async () => {
    const q = new Queue<number>(2);
    assert.equal(q.maxsize, 2);
    q.putNowait(1);
    await q.put(2);
    assert.equal(q.full(), true);
    assert.throws(() => q.putNowait(3), Full);
    assert.throws(() => q.putSync(3, { timeout: 10 }), Full);
    await assert.rejects(q.put(3, { timeout: 10 }), Full);
    assert.equal(q.getNowait(), 1);
    assert.equal(q.full(), false);
    q.putNowait(3);
    assert.deepEqual([q.getNowait(), q.getNowait()], [2, 3]);
  });

  test("a waiting put goes through when a get makes room", async () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    const pending = q.put(2, BOUND);
    setTimeout(() => q.getNowait(), 10);
    await pending;
    assert.equal(q.getNowait(), 2);
  });

  test("a waiting get is woken by a put", async () => {
    const q = new Queue<string>();
    const pending = q.get(BOUND);
    setTimeout(() => q.putNowait("late"), 10);
    assert.equal(await pending, "late");
  });

  test("puts of one thread waiting for room go in in the order they were made", async () => {
    const q = new Queue<number>(2);
    const puts = Array.from({ length: 8 }, (_, i) => q.put(i, BOUND));
    // Room for one, which put(2) has not taken yet: a put that does not
    // wait must not take it from under the puts waiting for it.
    assert.equal(q.getNowait(), 0);
    assert.throws(() => q.putNowait(99), Full);
    await assert.rejects(q.put(99, { block: false }), Full);
    const got: number[] = [];
    for (let i = 1; i < 8; i++) got.push(await q.get(BOUND));
    await Promise.all(puts);
    assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7]);
    // Nothing waits now: the fast path is back.
    q.putNowait(8);
    assert.equal(q.getNowait(), 8);
  });

  test("a put that times out behind waiting ones fails alone; the rest keep their order", async () => {
    const q = new Queue<number>(1);
    q.putNowait(0);
    const first = q.put(1, BOUND);
    const late = q.put(2, { timeout: 20 });
    const third = q.put(3, BOUND);
    await assert.rejects(late, { name: "Full", message: "Queue is full after waiting 20 ms" });
    const controller = new AbortController();
    const aborted = q.put(4, { signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(aborted, /stop/);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push(await q.get(BOUND));
    await Promise.all([first, third]);
    assert.deepEqual(got, [0, 1, 3]);
    assert.equal(q.empty(), true);
  });

  test("an aborted get rejects with the signal's reason", async () => {
    const q = new Queue<number>();
    const controller = new AbortController();
    const pending = q.get({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 10);
    await assert.rejects(pending, /stop/);
  });

  test("bad maxsize and options are refused with the argument's name", () => {
    assert.throws(() => new Queue(1.5), { name: "RangeError", message: /'maxsize'/ });
    assert.throws(() => new Queue(2 ** 31), { name: "RangeError", message: /'maxsize'/ });
    assert.throws(() => new Queue("3" as unknown as number), { name: "TypeError" });
    const q = new Queue<number>();
    assert.throws(() => q.getSync({ timeout: "1" as never }), {
      name: "TypeError",
      message: /'timeout'/,
    });
    assert.throws(() => q.putSync(1, { block: "no" as unknown as boolean }), /'block'/);
  });

  test("an item that cannot be sent is refused by path, and the queue is unchanged", () => {
    const q = new Queue<unknown>();
    q.putNowait(1);
    assert.throws(() => q.putNowait({ a: [0, () => 1] }), {
      name: "TypeError",
      message: /^item\.a\[1\] is a function/,
    });
    class Point {
      x = 1;
    }
    assert.throws(() => q.putNowait([new Point()]), /item\[0\] is a Point instance/);
    assert.throws(() => q.putNowait(new Queue()), /item is a shared Queue/);
    assert.throws(() => q.putNowait(Symbol("s")), /item is a symbol/);
    assert.equal(q.qsize(), 1);
    assert.equal(q.getNowait(), 1);
    assert.throws(() => q.getNowait(), Empty);
  });

  test("after close, put throws, get drains what is left, then throws", async () => {
    const q = new Queue<number>();
    q.putNowait(1);
    q.close();
    q.close();
    assert.equal(q.closed, true);
    assert.throws(() => q.putNowait(2), CLOSED);
    await assert.rejects(q.put(2), CLOSED);
    assert.equal(await q.get(), 1);
    await assert.rejects(q.get(), CLOSED);
    assert.throws(() => q.getSync(), CLOSED);
    assert.throws(() => q.putNowait(3), QueueClosedError);
  });

  test("close wakes a waiting get", async () => {
    const q = new Queue<number>();
    const pending = q.get(BOUND);
    setTimeout(() => q.close(), 10);
    await assert.rejects(pending, CLOSED);
  });

  test("for await yields every item until closed and drained", async () => {
    const q = new Queue<number>();
    for (let i = 0; i < 5; i++) q.putNowait(i);
    setTimeout(() => {
      q.putNowait(5);
      q.close();
    }, 10);
    const got: number[] = [];
    for await (const x of q) got.push(x);
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5]);
  });

  test("an item larger than the ring is carried whole", () => {
    const q = new Queue<Uint8Array>();
    const big = new Uint8Array(3 << 20).map((_, i) => i % 251);
    q.putNowait(new Uint8Array(10));
    q.putNowait(big);
    assert.equal(q.getNowait().length, 10);
    assert.deepEqual(q.getNowait(), big);
  });

  test("SimpleQueue puts and gets", async () => {
    const q = new SimpleQueue<number>();
    assert.equal(q.empty(), true);
    q.put(1);
    q.put(2);
    assert.equal(q.empty(), false);
    assert.equal(await q.get(), 1);
    assert.equal(q.getSync(), 2);
    q.close();
    assert.throws(() => q.put(3), /closed/);
  });

  test("JoinableQueue counts taskDone calls and refuses one too many", async () => {
    const q = new JoinableQueue<number>();
    q.putNowait(1);
    q.putNowait(2);
    assert.equal(await q.join({ timeout: 10 }), false);
    q.getNowait();
    q.taskDone();
    assert.equal(q.joinSync({ timeout: 10 }), false);
    q.getNowait();
    q.taskDone();
    assert.equal(await q.join({ timeout: 1000 }), true);
    assert.throws(() => q.taskDone(), /taskDone\(\) called too many times/);
  });
});

describe("Queue across processes", () => {
  test("two processes put on one queue and the parent sees both (examples/001_queue.ts)", async () => {
    const q = new Queue<string>();
    await joinAll(
      start(["Haruka", "Chihaya"].map((n) => new Process({ target: join, args: [q, n] }))),
    );
    assert.equal(q.qsize(), 2);
    assert.deepEqual([q.getNowait(), q.getNowait()].sort(), ["Chihaya", "Haruka"]);
  });

  test("the parent may join before it drains, even for large items", async () => {
    const q = new Queue<Uint8Array>();
    const p = new Process({ target: putBig, args: [q, 8, 1 << 20] });
    p.start();
    await joinAll([p]);
    for (let i = 0; i < 8; i++) {
      const item = q.getNowait();
      assert.equal(item.length, 1 << 20);
      assert.equal(item[12345], i);
    }
  });

  test("squares from three processes (examples/003_queue_squares.ts)", async () => {
    const q = new Queue<number>();
    await joinAll(start([1, 2, 3].map((n) => new Process({ target: square, args: [q, n] }))));
    const got: number[] = [];
    while (!q.empty()) got.push(q.getNowait());
    assert.deepEqual(got.sort(), [1, 4, 9]);
  });

  test("4 producers and 3 consumers: every item exactly once, in per-producer order", async () => {
    const producers = 4, consumers = 3, n = 3000;
    const q = new Queue<[number, number] | null>();
    const seen = new Int32Array(new SharedArrayBuffer(4 * producers * n));
    const errors = new Int32Array(new SharedArrayBuffer(4));
    const cs = start(
      Array.from(
        { length: consumers },
        (_, i) => new Process({ target: consume, args: [q, seen, n, errors, i % 2 === 0] }),
      ),
    );
    const ps = start(
      Array.from(
        { length: producers },
        (_, id) => new Process({ target: produce, args: [q, id, n] }),
      ),
    );
    await joinAll(ps);
    for (let i = 0; i < consumers; i++) await q.put(null);
    await joinAll(cs);
    assert.equal(errors[0], 0, "per-producer order broken");
    const wrong = seen.findIndex((c) => c !== 1);
    assert.equal(wrong, -1, `item ${wrong} seen ${seen[wrong]} times`);
    assert.equal(q.empty(), true);
  });

  test("a bounded queue holds producers back until the parent gets", async () => {
    const q = new Queue<number>(3);
    const done = new Int32Array(new SharedArrayBuffer(4));
    const p = new Process({ target: fillBounded, args: [q, 50, done] });
    p.start();
    const got: number[] = [];
    while (got.length < 50) {
      got.push(await q.get(BOUND));
      assert.ok(Atomics.load(done, 0) - got.length <= 3);
    }
    await joinAll([p]);
    assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => i));
  });

  test("puts made at once by a child, waiting for room, arrive in the order they were made", async () => {
    const q = new Queue<number>(2);
    const p = new Process({ target: putAllAtOnce, args: [q, 200] });
    p.start();
    const got: number[] = [];
    for (let i = 0; i < 200; i++) got.push(await q.get(BOUND));
    await joinAll([p]);
    assert.equal(p.exitcode, 0);
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i));
  });

  test("a process that returns with puts still waiting for room delivers them first", async () => {
    // As Python's child joins its queue's feeder at exit: nothing put is lost,
    // even by a put whose await was forgotten.
    const q = new Queue<number>(2);
    const p = new Process({ target: putUnawaited, args: [q, 20] });
    p.start();
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(await q.get(BOUND));
    await joinAll([p]);
    assert.equal(p.exitcode, 0);
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i));
    assert.equal(q.empty(), true);
  });

  test("JoinableQueue.join returns once workers have marked every item done", async () => {
    const q = new JoinableQueue<number>();
    const out = new Queue<number>();
    const ps = start([0, 1].map(() => new Process({ target: doubler, args: [q, out] })));
    for (let i = 1; i <= 20; i++) q.putNowait(i);
    assert.equal(await q.join(BOUND), true);
    assert.equal(out.qsize(), 20);
    q.putNowait(-1);
    q.putNowait(-1);
    assert.equal(await q.join(BOUND), true);
    await joinAll(ps);
    let sum = 0;
    while (!out.empty()) sum += out.getNowait();
    assert.equal(sum, 420);
  });

  test("SimpleQueue and a queue nested in an object reach a child", async () => {
    const a = new SimpleQueue<number>(), b = new SimpleQueue<number>();
    const q = new Queue<string>(), out = new Queue<string>();
    const ps = start([
      new Process({ target: simpleEcho, args: [a, b] }),
      new Process({ target: nestedGet, args: [{ deep: { q } }, out] }),
    ]);
    a.put(21);
    q.putNowait("x");
    assert.equal(await b.get(), 42);
    assert.equal(await out.get(BOUND), "got x");
    await joinAll(ps);
  });

  test("a queue and a pipe end in the fields of a Process subclass", async () => {
    const q = new Queue<string>();
    const [reader, writer] = Pipe<string>(false);
    const p = new Reporter(q, writer);
    p.start();
    writer.close();
    assert.equal(await q.get(BOUND), `queue from ${p.name}`);
    assert.equal(await reader.recv(BOUND), `pipe from ${p.name}`);
    await joinAll([p]);
  });

  test("processes killed in the middle of puts and gets corrupt nothing and block no one", async () => {
    const q = new Queue<{ i: number; data: Uint8Array }>();
    const bad = new Int32Array(new SharedArrayBuffer(4));
    for (let round = 0; round < 3; round++) {
      const ps = start([
        new Process({ target: putForever, args: [q, round * 2] }),
        new Process({ target: putForever, args: [q, round * 2 + 1] }),
        new Process({ target: getForever, args: [q, bad] }),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 150 + round * 50));
      for (const p of ps) round % 2 ? p.kill() : p.terminate();
      for (const p of ps) await p.join(BOUND);
    }
    // Whatever is left is whole, each producer's items in order, no duplicates.
    const last = new Map<number, number>();
    let left = 0;
    for (;;) {
      let item;
      try {
        item = q.getNowait();
      } catch (error) {
        assert.ok(error instanceof Empty);
        break;
      }
      const producer = Math.floor(item.i / 1_000_000), i = item.i % 1_000_000;
      assert.equal(item.data.length, (i * 7919) % 3000);
      assert.ok(item.data.every((b) => b === (i & 0xff)));
      assert.ok((last.get(producer) ?? -1) < i);
      last.set(producer, i);
      left++;
    }
    assert.equal(bad[0], 0);
    // Still usable by everyone.
    q.putSync({ i: 7, data: new Uint8Array(7 * 7919 % 3000).fill(7) });
    assert.equal(q.getSync({ timeout: 1000 }).i, 7);
    assert.ok(left >= 0);
  });
});
