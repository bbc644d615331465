import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pipe } from "../pipe.ts";
import { Queue } from "../queue.ts";

// 8 MiB messages, more of them than fitted in a channel before (1 GiB): all
// must arrive, in order and unaltered.
const BIG = 8 << 20;
const COUNT = 136;

// One buffer, marked afresh for each message (allocating 136 would cost
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
  test("a pipe writer sends 136 messages of 8 MiB before the reader reads: all arrive", async () => {
    const [r, w] = Pipe<Uint8Array>(false);
    for (let i = 0; i < COUNT; i++) w.send(big(i));
    w.close();
    let got = 0;
    for await (const m of r) check(m, got++);
    assert.equal(got, COUNT);
  });

  test("an unbounded queue takes 136 putNowait of 8 MiB without Full", () => {
    const q = new Queue<Uint8Array>();
    for (let i = 0; i < COUNT; i++) q.putNowait(big(i));
    assert.equal(q.qsize(), COUNT);
    for (let i = 0; i < COUNT; i++) check(q.getNowait(), i);
    assert.equal(q.empty(), true);
    q.close();
  });
});
