import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Process } from "../process.ts";
import {
  BrokenPipeError,
  type Connection,
  ConnectionClosedError,
  EOFError,
  Pipe,
} from "../pipe.ts";
import { TimeoutError } from "../internal/errors.ts";
import {
  answer,
  countTo,
  echoSync,
  holdOpen,
  pongSync,
  recvOne,
  sendAll,
  sendAndExit,
  sendSomeBytes,
} from "./fixtures/pipe_targets.ts";

const BOUND = { timeout: 30_000 };

async function joinAll(ps: Process[]): Promise<void> {
  for (const p of ps) await p.join(BOUND);
  for (const p of ps) {
    if (p.isAlive()) p.kill();
    assert.ok(p.exitcode === 0 || p.exitcode! < 0, `${p.name} ended with ${p.exitcode}`);
  }
}

describe("Pipe in one process", () => {
  test("a duplex pipe carries messages both ways, as copies", async () => {
    const [a, b] = Pipe<unknown>();
    const sent = { list: [1, "two", null], when: new Date(3) };
    a.send(sent);
    b.send(42n);
    const got = await b.recv();
    assert.deepEqual(got, sent);
    assert.notEqual(got, sent);
    assert.equal(a.recvSync(), 42n);
    assert.deepEqual([a.readable, a.writable, b.readable, b.writable], [true, true, true, true]);
  });

  test("a simplex pipe gives a read-only and a write-only end", () => {
    const [reader, writer] = Pipe<number>(false);
    assert.deepEqual([reader.readable, reader.writable], [true, false]);
    assert.deepEqual([writer.readable, writer.writable], [false, true]);
    assert.throws(() => reader.send(1), /Connection is read-only/);
    assert.throws(() => writer.recvSync(), /Connection is write-only/);
    writer.send(1);
    assert.equal(reader.recvSync(), 1);
  });

  test("recv throws EOFError after the last message once the writer closed", async () => {
    const [reader, writer] = Pipe<number>(false);
    writer.send(1);
    writer.send(2);
    writer.close();
    assert.equal(writer.closed, true);
    assert.throws(() => writer.send(3), {
      name: "ConnectionClosedError",
      message: "Connection is closed",
    });
    assert.throws(() => writer.send(3), ConnectionClosedError);
    assert.equal(await reader.recv(), 1);
    assert.equal(reader.recvSync(), 2);
    await assert.rejects(
      reader.recv(),
      (e: Error) => e instanceof EOFError && e.name === "EOFError",
    );
    assert.throws(() => reader.recvSync(), EOFError);
  });

  test("send throws BrokenPipeError once every holder of the other end has closed it", () => {
    const [reader, writer] = Pipe<number>(false);
    writer.send(1);
    reader.close();
    const broken = {
      name: "BrokenPipeError",
      message: "Broken pipe: every process holding the other end has closed it or ended",
    };
    assert.throws(() => writer.send(2), broken);
    assert.throws(() => writer.sendBytes(new Uint8Array(1)), BrokenPipeError);
    // Each direction of a duplex pipe on its own.
    const [a, b] = Pipe<number>();
    a.send(1);
    b.close();
    assert.throws(() => a.send(2), BrokenPipeError);
    assert.throws(() => a.recvSync(), EOFError);
  });

  test("recvSync does not wait on the process's own copy of the write end", () => {
    const [reader, writer] = Pipe<number>(false);
    writer.send(1);
    assert.equal(reader.recvSync(), 1);
    assert.throws(() => reader.recvSync(), EOFError);
    assert.equal(writer.closed, false);
  });

  test("async recv waits for another task of the same process", async () => {
    const [a, b] = Pipe<string>();
    setTimeout(() => b.send("later"), 10);
    assert.equal(await a.recv(BOUND), "later");
  });

  test("recv with a timeout throws TimeoutError; poll says whether a message waits", async () => {
    const [a, b] = Pipe<number>();
    await assert.rejects(a.recv({ timeout: 20 }), TimeoutError);
    assert.equal(await a.poll(), false);
    assert.equal(await a.poll({ timeout: 20 }), false);
    b.send(5);
    assert.equal(await a.poll(), true);
    assert.equal(a.pollSync({ timeout: 1000 }), true);
    assert.equal(a.recvSync(), 5);
    setTimeout(() => b.send(6), 10);
    assert.equal(await a.poll({ timeout: 5000 }), true);
  });

  test("sendBytes sends a slice; recvBytes returns it and checks maxlength", async () => {
    const [a, b] = Pipe<unknown>();
    a.sendBytes(new Uint8Array([1, 2, 3, 4, 5]), 1, 3);
    a.sendBytes(new ArrayBuffer(2));
    a.sendBytes(new Uint8Array(10));
    a.send("not bytes");
    assert.deepEqual(await b.recvBytes(), new Uint8Array([2, 3, 4]));
    assert.deepEqual(b.recvBytesSync(2), new Uint8Array(2));
    await assert.rejects(b.recvBytes(5), {
      name: "RangeError",
      message: /longer than 'maxlength'/,
    });
    assert.ok((await b.recvBytes()).length > 0);
    assert.throws(() => a.sendBytes(new Uint8Array(3), 4), /'offset'/);
    assert.throws(() => a.sendBytes(new Uint8Array(3), 1, 3), /'size'/);
    assert.throws(() => a.sendBytes("abc" as unknown as Uint8Array), /'buf'/);
  });

  test("bytes relayed through recvBytes and sendBytes arrive as what was sent", async () => {
    const [a, b] = Pipe<unknown>();
    const sent = [[1, 2.25, null], { k: new Map([[1, "x"]]) }, "s", new Uint8Array([0xf5, 1])];
    for (const value of sent) {
      a.send(value);
      b.sendBytes(await b.recvBytes(undefined, BOUND));
      assert.deepEqual(await a.recv(BOUND), value);
    }
    // Raw bytes come back unchanged, whatever their first byte; recv gives them as bytes.
    for (const bytes of [[], [0xf6], [0xf6, 0xf5, 1], [0xf5], [0xf5, 7, 0], [0, 1, 2]]) {
      b.sendBytes(new Uint8Array(bytes));
      assert.deepEqual(await a.recvBytes(undefined, BOUND), new Uint8Array(bytes));
      b.sendBytes(new Uint8Array(bytes));
      assert.deepEqual(await a.recv(BOUND), new Uint8Array(bytes));
    }
  });

  test("an unsendable message is refused by path and nothing is sent", async () => {
    const [a, b] = Pipe<unknown>();
    assert.throws(() => a.send({ cb: [() => 0] }), { name: "TypeError", message: /^obj\.cb\[0\]/ });
    assert.equal(await b.poll(), false);
    // Only this process writes to b, and a thread blocked in pollSync could
    // not: pollSync reports the end of the pipe as ready.
    assert.equal(b.pollSync(), true);
  });

  test("for await yields messages until EOF; close is idempotent and disposes", async () => {
    const [reader, writer] = Pipe<number>(false);
    for (let i = 0; i < 3; i++) writer.send(i);
    {
      using w = writer;
      w.send(3);
    }
    writer.close();
    const got: number[] = [];
    for await (const x of reader) got.push(x);
    assert.deepEqual(got, [0, 1, 2, 3]);
    assert.throws(() => Pipe("yes" as unknown as boolean), /'duplex'/);
  });
});

describe("Pipe across processes", () => {
  test("parent and child talk both ways (examples/001_pipe.ts)", async () => {
    const [parentConn, childConn] = Pipe<unknown>();
    parentConn.send(["amami", "haruka", "boss"]);
    const p = new Process({ target: answer, args: [childConn] });
    p.start();
    assert.deepEqual(await parentConn.recv(BOUND), ["Chihaya", 72, ["amami", "haruka", "boss"]]);
    await joinAll([p]);
  });

  test("five writers on one end: the parent gets each total (examples/004_pipe_total.ts)", async () => {
    const [parentConn, childConn] = Pipe<number>();
    const ps = Array.from(
      { length: 5 },
      () => new Process({ target: countTo, args: [childConn, 100_000] }),
    );
    for (const p of ps) p.start();
    let total = 0;
    for (const p of ps) {
      total += await parentConn.recv(BOUND);
      await p.join(BOUND);
    }
    assert.equal(total, 500_000);
    await joinAll(ps);
  });

  test("EOF once every child writer has closed, when the parent closed its copy", async () => {
    const [reader, writer] = Pipe<number>(false);
    const ps = [0, 1, 2].map((i) =>
      new Process({ target: sendAll, args: [writer, [i * 10, i * 10 + 1]] })
    );
    for (const p of ps) p.start();
    writer.close();
    const got: number[] = [];
    for await (const x of reader) got.push(x);
    assert.deepEqual(got.sort((a, b) => a - b), [0, 1, 10, 11, 20, 21]);
    await joinAll(ps);
  });

  test("EOF when the writer process ends without closing, or is terminated", async () => {
    const [reader, writer] = Pipe<number>(false);
    const p = new Process({ target: sendAndExit, args: [writer, [7]] });
    p.start();
    writer.close();
    assert.equal(await reader.recv(BOUND), 7);
    await assert.rejects(reader.recv(BOUND), EOFError);
    await joinAll([p]);

    const [reader2, writer2] = Pipe<number>(false);
    const q = new Process({ target: holdOpen, args: [writer2] });
    q.start();
    writer2.close();
    assert.equal(await reader2.poll({ timeout: 50 }), false);
    q.terminate();
    await assert.rejects(reader2.recv(BOUND), EOFError);
    await joinAll([q]);
  });

  test("a copy on its way to a child counts as a writer before the child starts", async () => {
    const [reader, writer] = Pipe<number>(false);
    const p = new Process({ target: sendAll, args: [writer, [1]] });
    p.start();
    writer.close();
    // The child has not had time to start: the pipe must not report EOF yet.
    assert.equal(await reader.recv(BOUND), 1);
    await assert.rejects(reader.recv(BOUND), EOFError);
    await joinAll([p]);
  });

  test("send throws BrokenPipeError once the process holding the other end has ended", async () => {
    const [reader, writer] = Pipe<number>(false);
    const p = new Process({ target: recvOne, args: [reader, 1] });
    p.start();
    reader.close();
    // The copy on its way to the child, then the child, holds the end.
    writer.send(1);
    await joinAll([p]);
    assert.equal(p.exitcode, 0);
    assert.throws(() => writer.send(2), BrokenPipeError);
  });

  test("a child echoes with recvSync until the parent closes", async () => {
    const [a, b] = Pipe<unknown>();
    const p = new Process({ target: echoSync, args: [b] });
    p.start();
    b.close();
    for (const v of [1, "x", { y: [2] }]) {
      a.send(v);
      assert.deepEqual(await a.recv(BOUND), v);
    }
    a.close();
    await joinAll([p]);
    assert.equal(p.exitcode, 0);
  });

  test("Sync ping-pong between parent and child", async () => {
    const [a, b] = Pipe<number>();
    const p = new Process({ target: pongSync, args: [b, 200] });
    p.start();
    let n = 0;
    for (let i = 0; i < 200; i++) {
      a.send(n);
      n = await a.recv(BOUND);
    }
    assert.equal(n, 200);
    await joinAll([p]);
  });

  test("bytes from a child", async () => {
    const [a, b] = Pipe<unknown>();
    const p = new Process({ target: sendSomeBytes, args: [b] });
    p.start();
    b.close();
    assert.deepEqual(await a.recvBytes(undefined, BOUND), new Uint8Array([2, 3, 4]));
    assert.equal((await a.recvBytes(undefined, BOUND)).length, 2);
    await assert.rejects(a.recv(BOUND), EOFError);
    await joinAll([p]);
  });

  test("a closed end cannot be sent", () => {
    const [a] = Pipe<number>();
    a.close();
    assert.throws(
      () => new Process({ target: holdOpen, args: [a as Connection<unknown>] }),
      /closed Connection/,
    );
  });
});
