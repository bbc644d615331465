import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Connection, EOFError, Pipe, wait, waitSync } from "../connection.ts";
import { connectionWait } from "../mod.ts";
import { Process } from "../process.ts";
import { JoinableQueue, Queue, SimpleQueue } from "../queue.ts";
import { holdWriter, putAfter, sendAfter, waitInChild } from "./fixtures/connection_targets.ts";

function readers(n: number): [Connection<string>[], Connection<string>[]] {
  const pairs = Array.from({ length: n }, () => Pipe<string>(false));
  return [pairs.map(([r]) => r), pairs.map(([, w]) => w)];
}

describe("connection.wait", () => {
  test("returns the ready connections, in the order given", async () => {
    const [rs, ws] = readers(3);
    ws[2].send("c");
    ws[0].send("a");
    const ready = await wait(rs, { timeout: 1000 });
    assert.deepEqual(ready, [rs[0], rs[2]]);
    // As pollSync: a thread blocked in waitSync cannot send on its own
    // writers, so a pipe written only by this process counts as ended.
    assert.deepEqual(waitSync(rs, { timeout: 0 }), rs);
    assert.equal(connectionWait, wait);
  });

  test("returns an empty list after the timeout when nothing is ready", async () => {
    const [rs] = readers(2);
    assert.deepEqual(await wait(rs, { timeout: 20 }), []);
    assert.deepEqual(waitSync([new Queue(), new Queue()], { timeout: 20 }), []);
    assert.deepEqual(await wait([], { timeout: 5 }), []);
  });

  test("wakes when a child sends, and when a child puts on a queue", async () => {
    const [rs, ws] = readers(2);
    const q = new Queue<number>();
    // One child at a time: which of two children started together acts
    // first is up to the machine's scheduling.
    const sender = new Process({ target: sendAfter, args: [ws[1], 50, "late"] });
    sender.start();
    const first = await wait([...rs, q], { timeout: 20_000 });
    assert.deepEqual(first, [rs[1]]);
    assert.equal(await rs[1].recv(), "late");
    const putter = new Process({ target: putAfter, args: [q, 50, 9] });
    putter.start();
    const second = await wait([rs[0], q], { timeout: 20_000 });
    assert.deepEqual(second, [q]);
    assert.equal(q.getNowait(), 9);
    for (const p of [sender, putter]) await p.join({ timeout: 20_000 });
  });

  test("queues of every kind are ready with items or once closed", async () => {
    const q = new Queue<number>();
    const jq = new JoinableQueue<number>();
    const sq = new SimpleQueue<number>();
    assert.deepEqual(await wait([q, jq, sq], { timeout: 10 }), []);
    jq.putNowait(1);
    sq.put(2);
    assert.deepEqual(await wait([q, jq, sq], { timeout: 1000 }), [jq, sq]);
    q.close();
    assert.deepEqual(waitSync([q], { timeout: 1000 }), [q]);
  });

  test("a sentinel is ready once its process ends; the same object each time", async () => {
    const p = new Process({ target: sendAfter, args: [Pipe<string>()[0], 100, "x"] });
    assert.throws(() => p.sentinel, /not been started/);
    p.start();
    assert.equal(p.sentinel, p.sentinel);
    assert.deepEqual(await wait([p.sentinel], { timeout: 0 }), []);
    assert.deepEqual(await wait([p.sentinel], { timeout: 20_000 }), [p.sentinel]);
    assert.equal(p.exitcode, 0);
  });

  test("a writer killed while holding its end makes the reader ready, at EOF", async () => {
    const [reader, writer] = Pipe<string>(false);
    const started = new Queue<string>();
    const p = new Process({ target: holdWriter, args: [writer, started] });
    p.start();
    writer.close();
    assert.equal(await started.get({ timeout: 20_000 }), "holding");
    assert.deepEqual(await wait([reader], { timeout: 50 }), []);
    p.kill();
    const ready = await wait([reader, p.sentinel], { timeout: 20_000 });
    assert.ok(ready.includes(reader), "the reader is ready");
    await p.join();
    await assert.rejects(reader.recv({ timeout: 1000 }), EOFError);
  });

  test("waitSync in a child wakes when the parent sends", async () => {
    const [a, aIn] = Pipe<string>();
    const [b, bIn] = Pipe<string>();
    const out = new Queue<string>();
    const p = new Process({ target: waitInChild, args: [a, b, out] });
    p.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    bIn.send("hello");
    assert.equal(await out.get({ timeout: 20_000 }), "b:hello");
    await p.join({ timeout: 20_000 });
    assert.equal(p.exitcode, 0);
    aIn.close();
  });

  test("a signal stops the wait with its reason", async () => {
    const [rs] = readers(1);
    const ac = new AbortController();
    const waiting = wait(rs, { signal: ac.signal });
    ac.abort(new Error("enough"));
    await assert.rejects(waiting, /enough/);
  });

  test("bad input is refused with a clear error", async () => {
    const [rs, ws] = readers(1);
    await assert.rejects(wait([rs[0], {} as never]), /objects\[1\] must be a Connection/);
    await assert.rejects(wait(5 as never), /'objects' must be an iterable/);
    await assert.rejects(wait([]), /could never end/);
    assert.deepEqual(await wait(rs, { timeout: -1 }), []);
    await assert.rejects(wait(rs, { timeout: "1" as never }), /'timeout'/);
    await assert.rejects(wait(rs, { timout: 5 } as never), /Unknown option 'timout'/);
    await assert.rejects(wait(ws), /write-only/);
    rs[0].close();
    assert.throws(() => waitSync(rs, { timeout: 0 }), /closed/);
  });
});
