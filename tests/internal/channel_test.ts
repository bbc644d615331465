import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { _layout, Channel, NOTHING } from "../../internal/channel/channel.ts";
import { allocSlot, markExited } from "../../internal/process/table.ts";

const { DATA, GET_LOCK, HEAD, JUMP, PUT_LOCK, TAIL } = _layout;

function drain(ch: Channel): unknown[] {
  const out: unknown[] = [];
  for (let v = ch.tryGet(); v !== NOTHING; v = ch.tryGet()) out.push(v);
  return out;
}

function deadSlot(): number {
  const slot = allocSlot("Process-test");
  markExited(slot, -9);
  return slot;
}

describe("channel", () => {
  test("wraps to the start when the data before the head is free", () => {
    const ch = Channel.create(0);
    const size = ch.sab.byteLength;
    const chunk = "x".repeat(4000);
    let put = 0, got = 0;
    // Fill most of the ring, consume most of it, then keep going: the tail
    // must wrap to offset 0 without the buffer growing.
    for (; put < 14; put++) assert.ok(ch.tryPut([put, chunk], "item"));
    for (; got < 12; got++) assert.deepEqual(ch.tryGet(), [got, chunk]);
    for (; put < 24; put++) assert.ok(ch.tryPut([put, chunk], "item"));
    assert.ok(ch.i32[TAIL] < ch.i32[HEAD], "the tail wrapped behind the head");
    assert.equal(ch.sab.byteLength, size);
    for (const v of drain(ch)) assert.deepEqual(v, [got++, chunk]);
    assert.equal(got, put);
  });

  test("jumps to new space when the data wraps and the ring is full, keeping order", () => {
    const ch = Channel.create(0);
    const size = ch.sab.byteLength;
    const chunk = "y".repeat(4000);
    let put = 0, got = 0;
    for (; put < 14; put++) ch.tryPut([put, chunk], "item");
    for (; got < 8; got++) assert.deepEqual(ch.tryGet(), [got, chunk]);
    // Wrap, then overfill: the producer must jump past the old end.
    for (; put < 40; put++) ch.tryPut([put, chunk], "item");
    assert.ok(ch.sab.byteLength > size, "the buffer grew");
    assert.notEqual(ch.i32[JUMP], 0, "a jump is pending");
    for (const v of drain(ch)) assert.deepEqual(v, [got++, chunk]);
    assert.equal(got, put);
    // Once the consumers have passed it, the jump is forgotten: the ring
    // wraps again instead of growing on.
    const grown = ch.sab.byteLength;
    for (let i = 0; i < 500; i++) {
      ch.tryPut([put++, chunk], "item");
      assert.deepEqual(ch.tryGet(), [got++, chunk]);
    }
    assert.equal(ch.i32[JUMP], 0);
    assert.equal(ch.sab.byteLength, grown);
  });

  test("random sizes through wrap, jump and growth come out whole and in order", () => {
    const ch = Channel.create(0);
    let seed = 7, put = 0, got = 0;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let round = 0; round < 3000; round++) {
      for (let n = rnd() % 4; n > 0; n--) {
        const size = rnd() % 9 === 0 ? rnd() % 200_000 : rnd() % 64;
        ch.tryPut({ i: put++, b: new Uint8Array(size).fill(put & 0xff) }, "item");
      }
      for (let n = rnd() % 4; n > 0; n--) {
        const v = ch.tryGet() as { i: number; b: Uint8Array } | typeof NOTHING;
        if (v === NOTHING) break;
        assert.equal(v.i, got++);
        assert.ok(v.b.every((x) => x === (got & 0xff)));
      }
    }
    got += drain(ch).length;
    assert.equal(got, put);
    assert.equal(ch.size(), 0);
  });

  test("records and the bytes in them land 8-aligned, encoded in place or privately, through wraps", () => {
    const ch = Channel.create(0);
    for (let i = 0; i < 400; i++) {
      // Odd-sized strings before the bytes move them around the record; a
      // large one every so often does not fit at the tail, so it is encoded
      // privately and copied in.
      const bytes = new Uint8Array(i % 50 === 0 ? 70_000 : 100).fill(i & 0xff);
      bytes[0] = 0xee;
      bytes[1] = i >> 8;
      bytes[2] = i & 0xff;
      assert.ok(ch.tryPut(["x".repeat(i % 13), bytes], "item"));
      // Records start 8 apart, so a record copied out whole is aligned too.
      assert.equal(ch.i32[TAIL] % 8, 0, `tail after item ${i}`);
      const view = new Uint8Array(ch.sab);
      let at = -1;
      for (let p = DATA; p + 3 <= view.length; p++) {
        if (view[p] === 0xee && view[p + 1] === i >> 8 && view[p + 2] === (i & 0xff)) {
          at = p;
          break;
        }
      }
      assert.ok(at > 0, `item ${i} found`);
      assert.equal(at % 8, 0, `item ${i}'s bytes at ${at}`);
      const [text, back] = ch.tryGet() as [string, Uint8Array];
      assert.equal(text.length, i % 13);
      assert.deepEqual(back, bytes);
      // Wipe the marker, so that a later search cannot find this record.
      view[at] = 0;
    }
  });

  test("two producers and a consumer over one buffer, lapping it many times, lose nothing", () => {
    // Each producer caches the head it last read; the cache must not be
    // trusted once the other producer has written (it may be a lap old).
    const a = Channel.create(0);
    const b = new Channel(a.sab);
    const c = new Channel(a.sab);
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const next = [0, 0];
    const last = [-1, -1];
    let got = 0;
    for (let round = 0; round < 20_000; round++) {
      const id = rnd() % 2;
      const size = rnd() % 11 === 0 ? 3000 + (rnd() % 9000) : rnd() % 200;
      (id ? b : a).tryPut({ id, i: next[id]++, s: "z".repeat(size) }, "item");
      for (let n = rnd() % 3; n > 0; n--) {
        const v = c.tryGet() as { id: number; i: number; s: string } | typeof NOTHING;
        if (v === NOTHING) break;
        assert.equal(v.i, last[v.id] + 1);
        last[v.id] = v.i;
        got++;
      }
    }
    got += drain(c).length;
    assert.equal(got, next[0] + next[1]);
    assert.ok(a.sab.byteLength < 8 << 20, "the ring laps instead of growing without end");
  });

  test("a producer whose cached head is a lap old does not write over unconsumed data", () => {
    const a = Channel.create(0);
    const b = new Channel(a.sab);
    const c = new Channel(a.sab);
    a.tryPut("first", "item");
    assert.equal(c.tryGet(), "first");
    // b laps the ring while c keeps up, then stops with a backlog that wraps.
    const chunk = "k".repeat(1000);
    let put = 0, got = 0;
    let lastTail = a.i32[TAIL];
    let wraps = 0;
    while (wraps < 2) {
      b.tryPut([put++, chunk], "item");
      if (a.i32[TAIL] < lastTail) wraps++;
      lastTail = a.i32[TAIL];
      if (put - got > 5) assert.deepEqual(c.tryGet(), [got++, chunk]);
    }
    assert.ok(a.i32[TAIL] < a.i32[HEAD], "the data wraps");
    // a's cached head (0) would make the room up to the buffer's end look
    // free, over the backlog at HEAD.
    const big = new Uint8Array(a.sab.byteLength - DATA - a.i32[TAIL] - 200).fill(66);
    a.tryPut(big, "item");
    for (; got < put; got++) assert.deepEqual(c.tryGet(), [got, chunk]);
    assert.deepEqual(c.tryGet(), big);
  });

  test("a producer whose tail comes back to the same place a lap later rereads the head", () => {
    const a = Channel.create(0);
    const b = new Channel(a.sab);
    const c = new Channel(a.sab);
    const chunk = "y".repeat(4000);
    // a puts one record at 0 and remembers the head (0) and the tail after it.
    assert.ok(a.tryPut([0, chunk], "item"));
    const aTail = a.i32[TAIL];
    // b fills the ring, c consumes the first few, b wraps to the start: one
    // record there brings the tail back to exactly where a left it, with
    // unconsumed records from HEAD to the old end.
    const cap = a.sab.byteLength - DATA;
    let put = 1, got = 0;
    // A record is aTail bytes; a put needs room for it and the terminator after it.
    while (a.i32[TAIL] + aTail + 8 <= cap) assert.ok(b.tryPut([put++, chunk], "item"));
    for (; got < 6; got++) assert.deepEqual(c.tryGet(), [got, chunk]);
    assert.ok(b.tryPut([put++, chunk], "item"));
    assert.equal(a.i32[TAIL], aTail, "the tail is back where a left it");
    assert.ok(a.i32[HEAD] > aTail, "unconsumed records lie past it");
    // a's cached head (0) would make the whole room up to the end look free
    // (bytes: the codec asks for exactly their size, so they would fit there).
    const big = new Uint8Array(8 * 4000).fill(66);
    assert.ok(a.tryPut(big, "item"));
    for (; got < put; got++) assert.deepEqual(c.tryGet(), [got, chunk]);
    assert.deepEqual(c.tryGet(), big);
    assert.equal(c.tryGet(), NOTHING);
  });

  test("a record published by a producer that died before moving the tail is kept", () => {
    const ch = Channel.create(0);
    ch.tryPut("a", "item");
    const before = ch.i32[TAIL];
    ch.tryPut("b", "item");
    // As if the producer of "b" died between publishing and moving TAIL.
    Atomics.store(ch.i32, TAIL, before);
    ch.tryPut("c", "item");
    assert.deepEqual(drain(ch), ["a", "b", "c"]);
  });

  test("a half-written record is never seen", () => {
    const ch = Channel.create(0);
    ch.tryPut(1, "item");
    // Garbage in the free space past the tail, as a killed writer leaves it.
    const u8 = new Uint8Array(ch.sab);
    const tailByte = DATA + ch.i32[TAIL];
    u8.fill(0xee, tailByte + 8, tailByte + 200);
    assert.deepEqual(drain(ch), [1]);
    ch.tryPut(2, "item");
    assert.deepEqual(drain(ch), [2]);
  });

  test("locks held by an ended process are taken over", () => {
    const ch = Channel.create(0);
    const dead = deadSlot();
    Atomics.store(ch.i32, PUT_LOCK, dead + 1);
    Atomics.store(ch.i32, GET_LOCK, dead + 1);
    assert.equal(ch.tryPut("after", "item"), true);
    assert.equal(ch.tryGet(), "after");
    assert.equal(Atomics.load(ch.i32, PUT_LOCK), 0);
  });

  test("a bounded channel counts exactly, across wraps", () => {
    const ch = Channel.create(3);
    for (let round = 0; round < 500; round++) {
      assert.ok(ch.tryPut(round, "item"));
      if (round % 2 === 0) assert.ok(ch.tryPut(-round, "item") || ch.size() === 3);
      while (ch.size() >= 3) ch.tryGet();
      assert.ok(ch.size() <= 3);
    }
    while (ch.tryPut(0, "item"));
    assert.equal(ch.size(), 3);
  });

  test("close is seen by every channel over the same buffer", () => {
    const ch = Channel.create(0);
    const other = new Channel(ch.sab);
    ch.tryPut("x", "item");
    other.close();
    assert.equal(ch.closed, true);
    assert.equal(ch.tryGet(), "x");
  });
});

describe("channel at its byte limit", () => {
  test("an unbounded channel throws a RangeError instead of dropping a message", () => {
    const ch = Channel.create(0, DATA + 256 * 1024);
    const chunk = new Uint8Array(60_000);
    let put = 0;
    assert.throws(
      () => {
        for (;;) {
          ch.tryPut(chunk.fill(put & 0xff), "item");
          put++;
        }
      },
      (e: unknown) =>
        e instanceof RangeError && /item \(\d+ bytes encoded\) does not fit/.test(e.message),
    );
    assert.ok(put >= 3, `put ${put} before the limit`);
    const got = drain(ch) as Uint8Array[];
    assert.equal(got.length, put);
    got.forEach((b, i) => assert.ok(b.every((x) => x === (i & 0xff))));
    // Room again once read.
    assert.equal(ch.tryPut(chunk, "item"), true);
  });

  test("a bounded channel at its byte limit is full: the put returns false", () => {
    const ch = Channel.create(1000, DATA + 256 * 1024);
    const chunk = new Uint8Array(60_000);
    let put = 0;
    while (ch.tryPut(chunk, "item")) put++;
    assert.ok(put >= 3);
    assert.equal(drain(ch).length, put);
  });
});
