import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decode, encode, OVERFLOW, Reader, Writer } from "../../internal/codec/encode.ts";

function roundTrip(value: unknown): unknown {
  const w = new Writer();
  encode(value, w, "value");
  const r = new Reader(w.u8);
  const out = decode(r);
  assert.equal(r.pos, w.pos, "decode reads exactly what encode wrote");
  return out;
}

describe("codec", () => {
  test("numbers, including -0, NaN, infinities and both integer widths", () => {
    for (const n of [0, 1, -1, 127, -128, 128, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1.5, 1e300]) {
      assert.equal(roundTrip(n), n);
    }
    assert.ok(Object.is(roundTrip(-0), -0));
    assert.ok(Number.isNaN(roundTrip(NaN)));
    assert.equal(roundTrip(-Infinity), -Infinity);
  });

  test("strings: empty, ASCII, non-ASCII, astral, long", () => {
    for (const s of ["", "a", "héllo", "日本語", "😀x", "z".repeat(100_000), "é".repeat(5000)]) {
      assert.equal(roundTrip(s), s);
    }
  });

  test("lone surrogates are kept, as structured clone keeps them", () => {
    const strings = ["a\udc00b", "\ud800", "x\ud83d", "\udfff\ud800", "é\ud800".repeat(3000)];
    for (const s of strings) {
      assert.equal(roundTrip(s), s);
      assert.deepEqual(roundTrip({ [s]: [s] }), { [s]: [s] });
    }
  });

  test("booleans, null, undefined and bigints of any size and sign", () => {
    for (const v of [true, false, null, undefined, 0n, 1n, -1n, 2n ** 64n, -(3n ** 200n)]) {
      assert.equal(roundTrip(v), v);
    }
  });

  test("arrays and plain objects, nested, with odd keys", () => {
    const value = {
      list: [1, [2, [3, { deep: "x" }]], null],
      "with space": 1,
      "": "empty",
      ["__proto__"]: 5,
      nested: { a: { b: { c: [] } } },
    };
    const out = roundTrip(value) as Record<string, unknown>;
    assert.deepEqual(out, value);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(roundTrip(Object.assign(Object.create(null), { x: 1 })), { x: 1 });
    assert.deepEqual(roundTrip([1, , 3]), [1, undefined, 3]);
  });

  test("typed arrays, DataView, ArrayBuffer and Date, as unshared copies", () => {
    const views = [
      new Uint8Array([1, 2, 3]),
      new Int16Array([-1, 2]),
      new Float64Array([1.5, -2]),
      new BigInt64Array([-5n]),
      new Uint8ClampedArray([9]),
    ];
    for (const view of views) {
      const out = roundTrip(view) as ArrayBufferView;
      assert.equal(out.constructor, view.constructor);
      assert.deepEqual(out, view);
      assert.ok(out.buffer instanceof ArrayBuffer);
    }
    const sub = new Uint8Array([0, 1, 2, 3]).subarray(1, 3);
    assert.deepEqual(roundTrip(sub), new Uint8Array([1, 2]));
    const dv = roundTrip(new DataView(new Uint8Array([7, 8]).buffer)) as DataView;
    assert.equal(dv.getUint8(1), 8);
    assert.equal((roundTrip(new ArrayBuffer(4)) as ArrayBuffer).byteLength, 4);
    assert.equal((roundTrip(new Date(1234)) as Date).getTime(), 1234);
  });

  test("Map, Set, RegExp, Error and cyclic values go through node:v8", () => {
    assert.deepEqual(roundTrip(new Map([[1, { a: 2 }]])), new Map([[1, { a: 2 }]]));
    assert.deepEqual(roundTrip({ s: new Set(["x"]) }), { s: new Set(["x"]) });
    assert.equal(String(roundTrip(/a+/gi)), "/a+/gi");
    const error = roundTrip(new RangeError("bad")) as Error;
    assert.ok(error instanceof Error);
    assert.equal(error.message, "bad");
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const out = roundTrip(cyclic) as Record<string, unknown>;
    assert.equal(out.self, out);
  });

  test("what cannot be sent is a TypeError naming its path", () => {
    const w = new Writer();
    const cases: Array<[unknown, RegExp]> = [
      [() => 1, /^value is a function/],
      [{ a: { b: [1, function named() {}] } }, /^value\.a\.b\[1\] is the function named/],
      [{ "odd key": Symbol("s") }, /^value\["odd key"\] is a symbol/],
      [[new (class Point {})()], /^value\[0\] is a Point instance/],
      [{ sab: new SharedArrayBuffer(4) }, /^value\.sab is a SharedArrayBuffer/],
      [new Map([[1, () => 1]]), /^value cannot be sent/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => encode(value, w, "value"), { name: "TypeError", message });
    }
  });

  test("a fixed writer that runs out of room throws OVERFLOW", () => {
    const w = new Writer(new Uint8Array(16), 16);
    assert.throws(() => encode("x".repeat(100), w, "value"), (e) => e === OVERFLOW);
    const fits = new Writer(new Uint8Array(16), 16);
    encode([1, 2], fits, "value");
    assert.ok(fits.pos <= 16);
  });
});
