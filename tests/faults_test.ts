import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { AbandonedLockError, Event, Lock, Semaphore } from "../lock.ts";
import { EOFError, Pipe } from "../pipe.ts";
import { Process } from "../process.ts";
import { Empty, JoinableQueue, Queue } from "../queue.ts";
import { RawArray, RawValue, SharedArray, Value } from "../shared.ts";
import {
  actWhenReleased,
  churnPermits,
  getBlocked,
  holdLockAndCount,
  holdPermit,
  OPS,
  putCounting,
  sendCounting,
  waitOnNothing,
} from "./fixtures/fault_targets.ts";

const BOUND = { timeout: 20_000 };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function shared(words = 2): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * words));
}

/** Waits (bounded) until `state[index] >= at_least`. */
async function until(state: Int32Array, index: number, atLeast: number): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (Atomics.load(state, index) < atLeast) {
    if (performance.now() > deadline) throw new Error(`state[${index}] never reached ${atLeast}`);
    await sleep(5);
  }
}

/** CPU ticks a thread of this program has used (Linux), or undefined. */
function threadTicks(tid: number): number | undefined {
  if (tid === 0) return undefined;
  try {
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined; // the thread is gone
  }
}

// 8 MiB messages, more of them than fitted in a channel before (1 GiB): all
// must arrive, in order and unaltered.
const BIG = 8 << 20;
const COUNT = 130;

// One buffer, marked afresh for each message (allocating 130 would cost
// more than the test).
const b = new Uint8Array(BIG);

function big(i: number): Uint8Array {
  b[0] = i & 0xff;
  b[BIG - 1] = (i * 7) & 0xff;
  return b;
}

function check(got: unknown, i: number): void {
  assert.ok(got instanceof Uint8Array && got.length === BIG, `message ${i} is whole`);
  assert.equal(got[0], i & 0xff);
  assert.equal(got[BIG - 1], (i * 7) & 0xff);
}

describe("nothing is dropped past the old ring limit", () => {
  test("a pipe writer sends 130 messages of 8 MiB before the reader reads: all arrive", async () => {
    const [r, w] = Pipe<Uint8Array>(false);
    for (let i = 0; i < COUNT; i++) w.send(big(i));
    w.close();
    let got = 0;
    for await (const m of r) check(m, got++);
    assert.equal(got, COUNT);
  });

  test("an unbounded queue takes 130 putNowait of 8 MiB without Full", () => {
    const q = new Queue<Uint8Array>();
    for (let i = 0; i < COUNT; i++) q.putNowait(big(i));
    assert.equal(q.qsize(), COUNT);
    for (let i = 0; i < COUNT; i++) check(q.getNowait(), i);
    assert.equal(q.empty(), true);
    q.close();
  });
});

describe("a process declared ended acts no more", () => {
  for (const how of ["kill", "terminate"] as const) {
    test(`a child ${how === "kill" ? "killed" : "terminated"} in a busy loop while it holds a Lock never touches what it guards again`, async () => {
      const lock = new Lock();
      const counter = new RawValue("i", 0);
      const state = shared();
      const p = new Process({ target: holdLockAndCount, args: [lock, counter, state] });
      p.start();
      await until(state, 0, 1);
      await sleep(50);
      p[how]();
      await p.join(BOUND);
      assert.equal(p.exitcode, how === "kill" ? -9 : -15);
      // The lock is abandoned: the first acquire says so and frees it.
      assert.throws(() => lock.acquireSync({ timeout: 5_000 }), AbandonedLockError);
      assert.equal(lock.acquireSync({ timeout: 5_000 }), true);
      const seen = counter.value;
      // Long enough for many more of its steps, had it gone on.
      await sleep(400);
      assert.equal(counter.value, seen, "the counter did not move after the holder's end");
      assert.equal(lock.acquireSync({ block: false }), false, "we still hold the lock alone");
      lock.release();
    });
  }

  test("a child killed while it puts completes no put after its join", async () => {
    const q = new Queue<number>();
    const state = shared();
    const p = new Process({ target: putCounting, args: [q, state] });
    p.start();
    await until(state, 0, 20);
    p.kill();
    await p.join(BOUND);
    const confirmed = Atomics.load(state, 0);
    const got: number[] = [];
    const drain = () => {
      for (;;) {
        try {
          got.push(q.getNowait());
        } catch (error) {
          assert.ok(error instanceof Empty);
          return;
        }
      }
    };
    drain();
    await sleep(400);
    drain();
    assert.equal(Atomics.load(state, 0), confirmed, "no put returned after the join");
    // Exactly 0..n-1: nothing lost, nothing doubled, nothing after the end;
    // every put that returned is there (one more may have been in flight).
    assert.deepEqual(got, got.map((_, i) => i));
    assert.ok(
      got.length >= confirmed && got.length <= confirmed + 1,
      `${got.length} vs ${confirmed}`,
    );
  });

  test("a child blocked in getSync takes nothing once terminated", async () => {
    const q = new Queue<number>();
    const state = shared();
    const p = new Process({ target: getBlocked, args: [q, state] });
    p.start();
    await until(state, 0, 1);
    await sleep(50);
    p.terminate();
    await p.join(BOUND);
    q.putNowait(42);
    await sleep(400);
    assert.equal(q.getNowait(), 42, "the ended child did not take the item");
    assert.equal(Atomics.load(state, 1), 0);
  });
});

// Each shared object a stopped child is released to use, with a check that
// it is as the parent left it.
const RELEASED: {
  [op in keyof typeof OPS]: () => { target: unknown; untouched(): void };
} = {
  "JoinableQueue.taskDone": () => {
    const q = new JoinableQueue<number>();
    q.putNowait(1);
    q.getNowait();
    return { target: q, untouched: () => assert.equal(q.joinSync({ timeout: 0 }), false) };
  },
  "Queue.qsize": () => ({ target: new Queue(), untouched() {} }),
  "Queue.close": () => {
    const q = new Queue();
    return { target: q, untouched: () => assert.equal(q.closed, false) };
  },
  "Connection.pollSync": () => {
    const [r, w] = Pipe(false);
    w.close();
    return { target: r, untouched() {} };
  },
  "Event.isSet": () => ({ target: new Event(), untouched() {} }),
  "Event.set": () => {
    const e = new Event();
    return { target: e, untouched: () => assert.equal(e.isSet(), false) };
  },
  "Semaphore.release": () => {
    const sem = new Semaphore(0);
    return { target: sem, untouched: () => assert.equal(sem.getValue(), 0) };
  },
  "Semaphore.acquireSync": () => {
    const sem = new Semaphore(1, { owned: false });
    return { target: sem, untouched: () => assert.equal(sem.getValue(), 1) };
  },
  "Lock.acquireSync": () => {
    const lock = new Lock();
    return { target: lock, untouched: () => assert.equal(lock.locked(), false) };
  },
  "RawArray.set": () => {
    const a = new RawArray("i", 1);
    return { target: a, untouched: () => assert.equal(a.get(0), 0) };
  },
};

describe("a stopped process's next library call stops it", () => {
  // Deno cannot stop a busy thread: the child computes on after kill(), and
  // must stop at its next call on any shared object, read or write.
  for (const op of Object.keys(OPS) as (keyof typeof OPS)[]) {
    test(`a child killed in a busy loop cannot call ${op} after its join`, async () => {
      const { target, untouched } = RELEASED[op]();
      const state = shared(4);
      const p = new Process({ target: actWhenReleased, args: [target as never, op, state] });
      p.start();
      await until(state, 0, 1);
      p.kill();
      await p.join(BOUND);
      // Released only now: a child still running goes on to the call.
      Atomics.store(state, 1, 1);
      await sleep(400);
      assert.equal(Atomics.load(state, 2), 0, `${op} returned in the ended child`);
      untouched();
      // And once stopped, its thread (if the runtime could not end it) uses
      // no CPU: it is not left spinning (Deno 2.9's process.exit() in a
      // terminated worker is a busy loop).
      const tid = Atomics.load(state, 3);
      const before = threadTicks(tid);
      await sleep(1_000);
      const after = threadTicks(tid);
      if (before !== undefined && after !== undefined) {
        assert.equal(
          after,
          before,
          `the stopped child's thread ran on (${after - before} ticks in 1 s)`,
        );
      }
    });
  }

  test("a child blocked in waitSync on nothing wakes and stops once terminated", async () => {
    const state = shared(3);
    const p = new Process({ target: waitOnNothing, args: [1_500, state] });
    p.start();
    await until(state, 0, 1);
    await sleep(50);
    p.terminate();
    await p.join(BOUND);
    // Past the end of its wait: had it slept on, it would have returned.
    await sleep(2_000);
    assert.equal(Atomics.load(state, 2), 0, "the wait returned in the ended child");
  });
});

describe("writers killed mid-send", () => {
  test("the reader gets whole messages in order, then EOFError (8 kills)", async () => {
    for (let trial = 0; trial < 8; trial++) {
      const [r, w] = Pipe<[number, Uint8Array]>(false);
      const state = shared();
      const p = new Process({ target: sendCounting, args: [w, state] });
      p.start();
      w.close();
      await until(state, 0, 3 + trial * 3);
      trial % 2 ? p.kill() : p.terminate();
      await p.join(BOUND);
      const confirmed = Atomics.load(state, 0);
      let got = 0;
      for (;;) {
        let m: [number, Uint8Array];
        try {
          m = await r.recv(BOUND);
        } catch (error) {
          assert.ok(error instanceof EOFError, String(error));
          break;
        }
        const [i, bytes] = m;
        assert.equal(i, got, "in order, none lost");
        const size = i % 13 === 0 ? 100_000 + (i * 7919) % 200_000 : (i * 7919) % 3000;
        assert.equal(bytes.length, size);
        assert.ok(bytes.every((x) => x === (i & 0xff)), `message ${i} unaltered`);
        got++;
      }
      assert.ok(got >= confirmed && got <= confirmed + 1, `trial ${trial}: ${got} vs ${confirmed}`);
    }
  });
});

describe("permits of killed holders", () => {
  test("a Semaphore(3) gives out all 3 permits again after its holders are killed", async () => {
    const sem = new Semaphore(3);
    for (let round = 0; round < 6; round++) {
      const state = shared();
      const holders = [0, 1].map(() =>
        new Process({ target: round % 2 ? churnPermits : holdPermit, args: [sem, state] })
      );
      for (const p of holders) p.start();
      await until(state, 0, round % 2 ? 50 : 2);
      for (const p of holders) round % 3 ? p.kill() : p.terminate();
      for (const p of holders) await p.join(BOUND);
      Atomics.store(state, 1, 1); // Lets a thread Deno could not stop end.
    }
    // Every permit comes back: the acquires that find dead holders' permits
    // say so (AbandonedLockError) and give them back.
    let taken = 0;
    const deadline = performance.now() + 10_000;
    while (taken < 3 && performance.now() < deadline) {
      try {
        if (sem.acquireSync({ timeout: 500 })) taken++;
      } catch (error) {
        assert.ok(error instanceof AbandonedLockError, String(error));
      }
    }
    assert.equal(taken, 3);
    assert.equal(sem.acquireSync({ block: false }), false);
    for (let i = 0; i < 3; i++) sem.release();
    assert.equal(sem.getValue(), 3);
  });
});

describe("bad input is refused, naming the argument", () => {
  test("a number where an options object belongs is a TypeError, never a wait", async () => {
    const [a, b] = Pipe<number>();
    b.send(1);
    const options = /'options'( of [\w.]+)? must be an object/;
    // deno-lint-ignore no-explicit-any
    const any = (x: unknown) => x as any;
    await assert.rejects(a.recv(any(5)), { name: "TypeError", message: options });
    assert.throws(() => a.recvSync(any(5)), { name: "TypeError", message: options });
    await assert.rejects(a.poll(any(5)), { name: "TypeError", message: options });
    assert.throws(() => a.pollSync(any(5)), { name: "TypeError", message: options });
    await assert.rejects(a.recvBytes(undefined, any(5)), { name: "TypeError", message: options });
    // A write-only end with no writer left would say EOFError: the argument comes first.
    const [r, w] = Pipe<number>(false);
    w.close();
    assert.throws(() => r.recvSync(any(5)), { name: "TypeError", message: options });
    assert.equal(await a.recv({ timeout: 1000 }), 1);
    const q = new Queue<number>();
    await assert.rejects(q.get(any(5)), TypeError);
    assert.throws(() => q.getSync(any(5)), TypeError);
    await assert.rejects(q.put(1, any(5)), TypeError);
    const lock = new Lock();
    assert.throws(() => lock.acquireSync(any(5)), TypeError);
    await assert.rejects(lock.acquire(any(5)), TypeError);
    const sem = new Semaphore(1);
    assert.throws(() => sem.acquireSync(any(5)), TypeError);
    a.close();
    b.close();
    q.close();
  });

  test("a signal given to a Sync acquire is a TypeError naming it", () => {
    // deno-lint-ignore no-explicit-any
    const bad = { signal: "x" } as any;
    const message = /'signal'/;
    assert.throws(() => new Lock().acquireSync(bad), { name: "TypeError", message });
    assert.throws(() => new Semaphore(1).acquireSync(bad), { name: "TypeError", message });
  });

  test("a number for a 64-bit typecode is converted to a bigint; a fraction is refused", () => {
    // The types ask for a bigint; plain JavaScript may pass a number.
    const big = (x: number) => x as unknown as bigint;
    assert.equal(new Value("q", big(1)).value, 1n);
    assert.deepEqual([...new SharedArray("q", [1, -2].map(big))], [1n, -2n]);
    assert.equal(new Value("Q", big(2 ** 40)).value, 2n ** 40n);
    assert.throws(() => new Value("q", big(1.5)), { name: "TypeError", message: /'q' element/ });
  });

  test("an array too large names its size argument and the limit", () => {
    assert.throws(() => new SharedArray("i", 2 ** 40), {
      name: "RangeError",
      message: /'sizeOrValues' must be a size of at most 4294967295 elements, got 1099511627776/,
    });
  });

  test("a module option that is not a URL names the option", () => {
    assert.throws(() => new Process({ target: getBlocked, module: "not a url" }), {
      name: "TypeError",
      message: /'module' must be an absolute URL/,
    });
  });
});
