import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Process } from "../../process.ts";
import { JoinableQueue, Queue, SimpleQueue } from "../../queue.ts";
import { Pipe } from "../../pipe.ts";
import { Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore } from "../../lock.ts";
import { Pool } from "../../pool.ts";
import { ProcessPoolExecutor, ThreadPoolExecutor } from "../../futures.ts";
import { sleep } from "../fixtures/conformance_targets.ts";

describe("Every public object has a toString a user can read", () => {
  test("locks show their owner by process name, as Python's repr", () => {
    const lock = new Lock();
    assert.equal(String(lock), "<Lock(owner=None)>");
    lock.acquireSync();
    assert.equal(String(lock), "<Lock(owner=MainProcess)>");
    lock.release();
    const rlock = new RLock();
    assert.equal(String(rlock), "<RLock(None, 0)>");
    for (let i = 0; i < 3; i++) rlock.acquireSync();
    assert.equal(String(rlock), "<RLock(MainProcess, 3)>");
    for (let i = 0; i < 3; i++) rlock.release();
    assert.equal(String(new Semaphore(2)), "<Semaphore(value=2)>");
    assert.equal(String(new BoundedSemaphore(2)), "<BoundedSemaphore(value=2, maxvalue=2)>");
    assert.equal(String(new Condition()), "<Condition(<Lock(owner=None)>, 0)>");
    const event = new Event();
    assert.equal(String(event), "<Event(unset)>");
    event.set();
    assert.equal(String(event), "<Event(set)>");
    const barrier = new Barrier(3);
    assert.equal(String(barrier), "<Barrier(waiters=0/3)>");
    barrier.abort();
    assert.equal(String(barrier), "<Barrier(broken)>");
  });

  test("queues and pipes", () => {
    const q = new Queue<number>(5);
    q.putNowait(1);
    assert.equal(String(q), "<Queue(maxsize=5, qsize=1)>");
    q.close();
    assert.equal(String(q), "<Queue(maxsize=5, qsize=1, closed)>");
    assert.equal(String(new JoinableQueue()), "<JoinableQueue(maxsize=0, qsize=0)>");
    assert.equal(String(new SimpleQueue()), "<SimpleQueue(empty)>");
    const [a, b] = Pipe();
    assert.equal(String(a), "<Connection(readable, writable)>");
    const [r, w] = Pipe(false);
    assert.equal(`${r} ${w}`, "<Connection(readable)> <Connection(writable)>");
    for (const c of [a, b, r, w]) c.close();
    assert.equal(String(a), "<Connection(closed)>");
  });

  test("processes, pools, executors and futures", async () => {
    const p = new Process({ target: sleep, args: [1], name: "P" });
    assert.equal(String(p), "<Process name='P' initial>");
    p.start();
    assert.match(String(p), /^<Process name='P' pid=\d+ (started|stopped exitcode=0)>$/);
    await p.join({ timeout: 30_000 });
    assert.match(String(p), /^<Process name='P' pid=\d+ stopped exitcode=0>$/);
    p.close();
    assert.equal(String(p), "<Process name='P' closed>");
    const pool = new Pool(1);
    assert.equal(String(pool), "<Pool state=RUN pool_size=1>");
    const result = pool.applyAsync(sleep, [1]);
    assert.equal(String(result), "<AsyncResult(pending)>");
    await result;
    assert.equal(String(result), "<AsyncResult(ready, successful)>");
    pool.close();
    assert.equal(String(pool), "<Pool state=CLOSE pool_size=1>");
    await pool.terminate();
    assert.equal(String(pool), "<Pool state=TERMINATE pool_size=1>");
    const ex = new ThreadPoolExecutor(1);
    const f = ex.submit(() => 42);
    assert.equal(String(f), "<Future state=running>");
    await f.result();
    assert.equal(String(f), "<Future state=finished returned number>");
    const bad = ex.submit(() => {
      throw new TypeError("x");
    });
    await bad.exception();
    assert.equal(String(bad), "<Future state=finished raised TypeError>");
    assert.equal(String(ex), "<ThreadPoolExecutor(running)>");
    await ex.shutdown();
    assert.equal(String(ex), "<ThreadPoolExecutor(shutdown)>");
    assert.equal(String(new ProcessPoolExecutor(1)), "<ProcessPoolExecutor(running)>");
  });
});
