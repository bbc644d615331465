import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  decode,
  encode,
  Items,
  Nested,
  OVERFLOW,
  Reader,
  Rows,
  Writer,
} from "../../internal/codec/encode.ts";
import { NestedBytes, openList } from "../../internal/codec/decode.ts";
import { MAGIC, MAGIC_PLAIN, T_ASCII, T_UTF8 } from "../../internal/codec/tags.ts";

function roundTrip(value: unknown): unknown {
  const w = new Writer();
  encode(value, w, "value");
  const r = new Reader(w.u8, w.pos);
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

  test("a string whose room ends inside it comes back whole or overflows, never cut", () => {
    const ascii = "abcdefghij".repeat(10);
    const strings = [
      ascii,
      "é" + ascii,
      ascii + "€",
      "€".repeat(70),
      ascii + "\u{1f600}" + ascii,
      "\u{1f600}".repeat(40),
      ascii + "\ud800" + ascii,
    ];
    for (const s of strings) {
      const w = new Writer();
      encode(s, w, "value");
      const size = w.pos;
      // The tag says how it is read back: ASCII without UTF-8 decoding.
      const utf8 = new TextEncoder().encode(s).length;
      if (s.isWellFormed()) {
        assert.equal(w.u8[size - utf8 - 5], utf8 === s.length ? T_ASCII : T_UTF8, s);
      }
      for (let room = size - 8; room <= size + 2 * s.length + 8; room++) {
        const into = new Writer(new Uint8Array(new SharedArrayBuffer(room + 16)), room);
        try {
          encode(s, into, "value");
        } catch (error) {
          assert.equal(error, OVERFLOW);
          // Only a room short of the worst case for its characters (3
          // bytes per UTF-16 unit) may overflow; ASCII within a character.
          const worst = utf8 === s.length ? size + 4 : size - utf8 + 3 * s.length + 4;
          assert.ok(room < worst, `${JSON.stringify(s)} overflowed ${room} bytes`);
          continue;
        }
        assert.ok(into.pos <= room);
        assert.equal(decode(new Reader(into.u8, into.pos)), s);
      }
    }
  });

  test("ASCII strings of every length come back, from private and from shared memory", () => {
    const strings = [16, 17, 64, 65, 1024, 70_000].map((n) => "abcdefghij".repeat(n).slice(0, n));
    strings.push("\u007f".repeat(40), "x".repeat(40) + "é", "\u0000".repeat(33));
    strings.push("x".repeat(100) + "é", "\u0080" + "y".repeat(100), "z".repeat(99) + "\u{1f600}");
    for (const s of strings) {
      assert.equal(roundTrip(s), s);
      // Written into shared memory, as a channel writes.
      const ring = new Uint8Array(new SharedArrayBuffer(4 * s.length + 64));
      const into = new Writer(ring);
      encode([s, s], into, "value");
      assert.deepEqual(decode(new Reader(ring, into.pos)), [s, s]);
      const w = new Writer();
      encode([s, { [s]: s }], w, "value");
      const shared = new Uint8Array(new SharedArrayBuffer(w.pos + 8));
      shared.set(w.u8.subarray(0, w.pos), 8);
      const r = new Reader(shared, w.pos + 8);
      r.pos = 8;
      assert.deepEqual(decode(r), [s, { [s]: s }]);
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
  });

  test("records of one shape keep their own keys: order, getters, none inherited", () => {
    const getter = {
      a: 1,
      get b() {
        return 2;
      },
    };
    const records = [{ a: 1, b: 2 }, { b: 3, a: 4 }, { a: 5 }, getter, { a: 6, b: 7, c: 8 }];
    const back = roundTrip(records) as object[];
    assert.deepEqual(back, [{ a: 1, b: 2 }, { b: 3, a: 4 }, { a: 5 }, { a: 1, b: 2 }, {
      a: 6,
      b: 7,
      c: 8,
    }]);
    assert.deepEqual(Object.keys(back[1]), ["b", "a"]);
    assert.ok(Object.getOwnPropertyDescriptor(back[3], "b")!.writable, "a getter's value, as data");
    // An enumerable key on Object.prototype: a record without its own `b`
    // must not pass for the shape {a, b} (for...in would list the inherited one).
    Object.defineProperty(Object.prototype, "b", {
      value: 9,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    try {
      const mixed = roundTrip([{ a: 1, b: 2 }, { a: 3 }, { a: 4, b: 5 }]) as object[];
      assert.deepEqual(mixed.map((r) => Object.keys(r)), [["a", "b"], ["a"], ["a", "b"]]);
      assert.ok(!Object.hasOwn(mixed[1], "b"));
    } finally {
      delete (Object.prototype as { b?: unknown }).b;
    }
  });

  test("array holes stay holes; other keys and sparse lengths are kept", () => {
    const holes = roundTrip([1, , 3]) as unknown[];
    assert.equal(holes.length, 3);
    assert.ok(!(1 in holes));
    const keyed = Object.assign([1, 2], { extra: "x", "-1": { y: 1 } });
    const out = roundTrip(keyed) as unknown[];
    assert.deepEqual(Object.keys(out), ["0", "1", "extra", "-1"]);
    assert.deepEqual(out, keyed);
    const sparse: unknown[] = [];
    sparse.length = 2 ** 32 - 1;
    sparse[7] = "seven";
    sparse[2 ** 32 - 2] = "last";
    const back = roundTrip(sparse) as unknown[];
    assert.equal(back.length, 2 ** 32 - 1);
    assert.deepEqual(Object.keys(back), ["7", String(2 ** 32 - 2)]);
    assert.equal(back[2 ** 32 - 2], "last");
  });

  test("shared and cyclic references come back shared and cyclic, in linear time", () => {
    const child = { c: 1 };
    const shared = roundTrip({ a: child, b: [child, child] }) as {
      a: object;
      b: object[];
    };
    assert.equal(shared.a, shared.b[0]);
    assert.equal(shared.b[0], shared.b[1]);
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, new Map([[cyclic, new Set([cyclic])]])];
    const out = roundTrip(cyclic) as Record<string, unknown>;
    assert.equal(out.self, out);
    const [first, map] = out.list as [unknown, Map<unknown, Set<unknown>>];
    assert.equal(first, out);
    assert.ok(map.get(out)!.has(out));
    // 40 levels, each node's two children the same node: 41 objects, 2^40 paths.
    let dag: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 40; i++) dag = { left: dag, right: dag };
    const w = new Writer();
    encode(dag, w, "value");
    assert.ok(w.pos < 2000, `${w.pos} bytes for 41 objects`);
    let node = decode(new Reader(w.u8, w.pos)) as Record<string, unknown>;
    for (let i = 0; i < 40; i++) {
      assert.equal(node.left, node.right);
      node = node.left as Record<string, unknown>;
    }
    assert.equal(node.leaf, true);
  });

  test("a whole-buffer Uint8Array met first, then its buffer and itself again: one buffer, one view", () => {
    const u8 = new Uint8Array([1, 2, 3]);
    const out = roundTrip({ a: u8, b: u8.buffer, c: u8, d: [u8.buffer] }) as {
      a: Uint8Array;
      b: ArrayBuffer;
      c: Uint8Array;
      d: ArrayBuffer[];
    };
    assert.equal(out.c, out.a);
    assert.equal(out.b, out.a.buffer);
    assert.equal(out.d[0], out.a.buffer);
    assert.deepEqual([...out.a], [1, 2, 3]);
    // Nothing refers to the buffer: it is still the view's own, of its length.
    const alone = roundTrip([u8, 7]) as [Uint8Array, number];
    assert.equal(alone[0].buffer.byteLength, 3);
    assert.equal(alone[0].byteOffset, 0);
  });

  test("views keep their offsets, and views of one buffer share one buffer", () => {
    const buffer = new ArrayBuffer(32);
    new Uint8Array(buffer).forEach((_, i, u8) => (u8[i] = i));
    const value = {
      bytes: new Uint8Array(buffer, 4, 8),
      words: new Int16Array(buffer, 2, 3),
      data: new DataView(buffer, 5, 10),
      buffer,
    };
    const out = roundTrip(value) as typeof value;
    assert.equal(out.bytes.buffer, out.buffer);
    assert.equal(out.words.buffer, out.buffer);
    assert.equal(out.data.buffer, out.buffer);
    assert.equal(out.buffer.byteLength, 32);
    assert.equal(out.bytes.byteOffset, 4);
    assert.equal(out.words.byteOffset, 2);
    assert.equal(out.data.byteOffset, 5);
    assert.equal(out.data.byteLength, 10);
    assert.deepEqual([...out.bytes], [4, 5, 6, 7, 8, 9, 10, 11]);
    // A view's buffer is a copy of its own buffer, as structured clone gives it.
    const sub = new Uint8Array([0, 1, 2, 3]).subarray(1, 3);
    const back = roundTrip(sub) as Uint8Array;
    assert.equal(back.byteOffset, 1);
    assert.equal(back.buffer.byteLength, 4);
    assert.deepEqual(back, sub);
    const resizable = new ArrayBuffer(4, { maxByteLength: 16 });
    const grown = roundTrip(resizable) as ArrayBuffer;
    assert.equal(grown.resizable, true);
    assert.equal(grown.maxByteLength, 16);
  });

  test("every kind structured clone carries, without node:v8", () => {
    const w = new Writer();
    for (const value of [new Map([[1, 2]]), new Set([1]), /a/g, new Error("e"), Object(1n)]) {
      w.pos = 0;
      encode(value, w, "value");
      assert.ok([21, 22, 23, 24, 25].includes(w.u8[1]), `own tag for ${String(value)}`);
    }
    assert.deepEqual(roundTrip(new Map([[1, { a: 2 }]])), new Map([[1, { a: 2 }]]));
    assert.deepEqual(roundTrip({ s: new Set(["x"]) }), { s: new Set(["x"]) });
    const regexp = roundTrip(/a+(?<n>b)/dgimsy) as RegExp;
    assert.equal(String(regexp), "/a+(?<n>b)/dgimsy");
    assert.ok(Number.isNaN((roundTrip(new Date(NaN)) as Date).getTime()));
    for (const boxed of [Object(1n), Object(2.5), Object("s"), Object(false)]) {
      const out = roundTrip(boxed) as object;
      assert.equal(typeof out, "object");
      assert.equal(Object.getPrototypeOf(out), Object.getPrototypeOf(boxed));
      assert.equal(out.valueOf(), boxed.valueOf());
    }
    const kinds = [
      Int8Array,
      Uint8Array,
      Uint8ClampedArray,
      Int16Array,
      Uint16Array,
      Int32Array,
      Uint32Array,
      Float32Array,
      Float64Array,
      BigInt64Array,
      BigUint64Array,
      (globalThis as unknown as { Float16Array: typeof Float32Array }).Float16Array,
    ];
    for (const Kind of kinds) {
      const view = new Kind(new ArrayBuffer(24), 8, 2);
      const out = roundTrip(view) as typeof view;
      assert.equal(Object.getPrototypeOf(out), Kind.prototype);
      assert.equal(out.byteOffset, 8);
      assert.equal(out.length, 2);
    }
    const abort = roundTrip(new DOMException("stopped", "AbortError")) as DOMException;
    assert.ok(abort instanceof DOMException);
    assert.equal(abort.name, "AbortError");
    assert.equal(abort.message, "stopped");
  });

  test("errors: every built-in class, with message, stack and cause", () => {
    const classes = [
      Error,
      EvalError,
      RangeError,
      ReferenceError,
      SyntaxError,
      TypeError,
      URIError,
    ];
    for (const Type of classes) {
      const error = new Type("bad", { cause: { code: 7 } });
      const out = roundTrip(error) as Error;
      assert.equal(Object.getPrototypeOf(out), Type.prototype);
      assert.equal(out.name, Type.name);
      assert.equal(out.message, "bad");
      assert.equal(out.stack, error.stack);
      assert.deepEqual(out.cause, { code: 7 });
      assert.ok(!Object.getOwnPropertyDescriptor(out, "cause")!.enumerable);
    }
    const loop = new Error("loop");
    loop.cause = loop;
    const back = roundTrip(loop) as Error;
    assert.equal(back.cause, back);
    // As structured clone: other names and classes come back as Error.
    class Custom extends Error {
      override name = "Custom";
      extra = 1;
    }
    for (const other of [new Custom("c"), new AggregateError([1], "agg")]) {
      const out = roundTrip(other) as Error & { extra?: number };
      assert.equal(Object.getPrototypeOf(out), Error.prototype);
      assert.equal(out.message, other.message);
      assert.equal(out.extra, undefined);
    }
    assert.ok(!Object.hasOwn(roundTrip(new Error()) as Error, "message"));
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

  test("what cannot be sent is a TypeError naming its path", () => {
    const w = new Writer();
    const cases: Array<[unknown, RegExp]> = [
      [() => 1, /^value is a function/],
      [{ a: { b: [1, function named() {}] } }, /^value\.a\.b\[1\] is the function named/],
      [{ "odd key": Symbol("s") }, /^value\["odd key"\] is a symbol/],
      [[new (class Point {})()], /^value\[0\] is a Point instance/],
      [{ sab: new SharedArrayBuffer(4) }, /^value\.sab is a SharedArrayBuffer/],
      [new Map([[1, () => 1]]), /^value\.get\(1\) is a function/],
      [{ items: [0, { handler() {} }] }, /^value\.items\[1\]\.handler is the function handler/],
      [new Set([Symbol("s")]), /^value\.<member> is a symbol/],
      [{ e: new Error("x", { cause: [Symbol()] }) }, /^value\.e\.cause\[0\] is a symbol/],
      [[new WeakMap()], /^value\[0\] is a WeakMap/],
      [{ blob: new Blob(["x"]) }, /^value\.blob is a Blob/],
      [Object(Symbol("s")), /^value is a Symbol object/],
      // A run of numbers broken by what cannot be sent, a pool's chunk, its starmap rows.
      [[1, 2, 3, 4, 5, 6, 7, 8, () => 1], /^value\[8\] is a function/],
      [new Items([1, "x", Symbol("s")]), /^value\[2\] is a symbol/],
      [new Rows([[1, 2], [3, Symbol("s")]], 2), /^value\[1\]\[1\] is a symbol/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => encode(value, w, "value"), { name: "TypeError", message });
    }
  });

  test("a value nested too deeply is refused, not a crash", () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    assert.throws(() => encode(deep, new Writer(), "value"), {
      name: "TypeError",
      message: /^value is nested too deeply/,
    });
  });

  test("bytes that are not an encoded message decode as themselves", () => {
    for (const bytes of [[], [0xf5], [0xf5, 10, 255, 255, 255, 255], [0xf6, 1], [1, 2]]) {
      const u8 = new Uint8Array(bytes);
      const expected = bytes[0] === 0xf6 ? u8.subarray(1) : u8;
      assert.deepEqual(decode(new Reader(u8)), new Uint8Array(expected));
    }
  });

  test("bytes of 64 or more start 8-aligned in the writer, plain or resizable; fewer are not padded", () => {
    const bytes = new Uint8Array(200).map((_, i) => i ^ 0x5a);
    const resizable = new ArrayBuffer(100, { maxByteLength: 300 });
    new Uint8Array(resizable).set(bytes.subarray(0, 100));
    for (let start = 0; start < 16; start++) {
      for (
        const [value, payload] of [
          [bytes, bytes],
          [bytes.buffer, bytes],
          [resizable, bytes.subarray(0, 100)],
          [{ k: "x".repeat(start), v: bytes }, bytes],
        ] as const
      ) {
        const w = new Writer(new Uint8Array(1024), 1024);
        w.pos = start;
        encode(value, w, "value");
        const at = indexOf(w.u8.subarray(0, w.pos), payload);
        assert.ok(at >= 0);
        assert.equal(at % 8, 0, `payload at ${at} from writer position ${start}`);
        const r = new Reader(w.u8, w.pos);
        r.pos = start;
        assert.deepEqual(decode(r), value);
        assert.equal(r.pos, w.pos);
      }
    }
    // Short bytes go unpadded: the flags byte right before them is 0.
    const w = new Writer();
    w.pos = 1;
    encode(new Uint8Array([9, 8, 7]), w, "value");
    assert.deepEqual([...w.u8.subarray(w.pos - 4, w.pos)], [0, 9, 8, 7]);
  });

  test("a buffer's flags byte with bits past the padding is not a message", () => {
    const w = new Writer();
    encode(new Uint8Array(100), w, "value");
    const bytes = w.u8.slice(0, w.pos);
    // MAGIC_PLAIN, T_VIEW, kind, offset, length, then T_BUFFER, n, flags.
    const flags = 2 + 9 + 5;
    const pad = bytes[flags] >> 1;
    assert.equal(bytes[flags] & 1, 0);
    for (const bad of [16, 0x80]) {
      // As long as the padding those bits would say makes it, so that only
      // the check of the flags can tell.
      const corrupt = new Uint8Array(bytes.length - pad + (bad >> 1));
      corrupt.set(bytes);
      corrupt[flags] = bad;
      // An undecodable message comes back as its raw bytes.
      assert.deepEqual(decode(new Reader(corrupt, corrupt.length)), corrupt);
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

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function message(value: unknown): Uint8Array {
  const w = new Writer();
  encode(value, w, "value");
  return w.u8.slice(0, w.pos);
}

function readAll(bytes: Uint8Array): unknown[] {
  const list = openList(bytes);
  const out = [];
  for (let i = 0; i < list.length; i++) out.push(list.next());
  list.done();
  return out;
}

describe("codec: a list read an element at a time", () => {
  test("a message with nothing met twice is marked plain; one with a shared object is not", () => {
    const shared = { a: 1 };
    assert.equal(message([{ a: 1 }, { a: 1 }])[0], MAGIC_PLAIN);
    assert.equal(message("text")[0], MAGIC_PLAIN);
    assert.equal(message([shared, shared])[0], MAGIC);
    const back = roundTrip([shared, shared]) as object[];
    assert.equal(back[0], back[1]);
  });

  test("plain arrays, Items (numbers, then others, holes) and Rows come back element by element", () => {
    const objects = [{ id: 1, name: "x" }, { id: 2, name: "y" }];
    assert.deepEqual(readAll(message(objects)), objects);
    // deno-lint-ignore no-sparse-arrays
    const items = [1, 2.5, -0, "three", , { four: 4 }, [5]];
    assert.deepEqual(readAll(message(new Items(items))), [1, 2.5, -0, "three", undefined, {
      four: 4,
    }, [5]]);
    const rows = [[1, 2], [3, "four"], [{ five: 5 }, 6]];
    assert.deepEqual(readAll(message(new Rows(rows, 2))), rows);
    assert.deepEqual(readAll(message(new Items([]))), []);
  });

  test("other messages decoded between elements do not disturb it, nor it them", () => {
    const shared = { s: "shared" };
    const other = message([shared, shared, { t: 1, u: 2 }, { t: 3, u: 4 }]);
    // Records of one shape: the later ones name the shape the first defined.
    const list = openList(
      message(new Items([{ a: 1, b: 2 }, "b", { a: 3, b: 4 }, { a: 5, b: 6 }])),
    );
    assert.deepEqual(list.next(), { a: 1, b: 2 });
    const back = decode(new Reader(other)) as object[];
    assert.equal(back[0], back[1], "the other message keeps its own shared object");
    assert.deepEqual(back.slice(2), [{ t: 1, u: 2 }, { t: 3, u: 4 }]);
    assert.equal(list.next(), "b");
    assert.deepEqual(list.next(), { a: 3, b: 4 });
    // A list read whole inside another's reading.
    assert.deepEqual(readAll(message([{ x: 1, y: 2 }, { x: 3, y: 4 }])), [{ x: 1, y: 2 }, {
      x: 3,
      y: 4,
    }]);
    assert.deepEqual(list.next(), { a: 5, b: 6 });
    list.done();
    assert.deepEqual(roundTrip([shared, shared]), [shared, shared]);
  });

  test("done() reads past what was not taken; asking past the end is an error", () => {
    const list = openList(message(new Items(["a", { b: 2 }, "c"])));
    assert.equal(list.next(), "a");
    list.done();
    assert.deepEqual(roundTrip({ after: [1, 2] }), { after: [1, 2] });
    const short = openList(message([1]));
    short.next();
    const corrupt = /^A list's bytes are not a message this library encoded/;
    assert.throws(() => short.next(), (e) => e instanceof Error && corrupt.test(e.message));
    short.done();
  });

  test("bytes that are not a list, or a list with an element cut short, fail with an Error", () => {
    const corrupt = (e: unknown) =>
      e instanceof Error &&
      /^A list's bytes are not a message this library encoded/.test(e.message);
    assert.throws(() => openList(message(5)), corrupt);
    assert.throws(() => openList(new Uint8Array([MAGIC_PLAIN, 0xff])), corrupt);
    // The second element's string says it is longer than the bytes left.
    const bytes = message(new Items(["a", "bcdefgh"]));
    const cut = bytes.subarray(0, bytes.length - 3);
    const list = openList(cut);
    assert.equal(list.next(), "a");
    assert.throws(() => list.next(), corrupt);
    assert.throws(() => list.done(), corrupt);
  });

  test("Items and Rows number each item (each row) on its own: shared objects and cycles within one are kept", () => {
    const shared = { s: 1 };
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    const items = [shared, shared, { pair: [shared, shared] }, cycle, "x"];
    // Nothing in one item is met again in it but the cycle: read whole, as
    // a message that numbers its objects.
    const whole = message(new Items(items));
    assert.equal(whole[0], MAGIC);
    const back = readAll(whole) as [object, object, { pair: object[] }, { self: unknown }, string];
    assert.notEqual(back[0], back[1], "two items that are one object come back as two");
    assert.deepEqual(back[0], shared);
    assert.deepEqual(back[1], shared);
    assert.equal(back[2].pair[0], back[2].pair[1], "within one item, one object");
    assert.notEqual(back[2].pair[0], back[0]);
    assert.equal(back[3].self, back[3], "a cycle within an item is kept");
    // With no cycle, nothing is numbered: the list is read an item at a time.
    const plain = message(new Items([shared, shared, "x"]));
    assert.equal(plain[0], MAGIC_PLAIN);
    const list = openList(plain);
    const first = list.next();
    assert.deepEqual(first, shared);
    assert.notEqual(list.next(), first);
    assert.equal(list.next(), "x");
    list.done();
    // Rows: each row is one item (its arguments share what they share).
    const rows = readAll(message(new Rows([[shared, shared], [shared, 1], [cycle, 2]], 2))) as [
      [object, object],
      [object, number],
      [{ self: unknown }, number],
    ];
    assert.equal(rows[0][0], rows[0][1]);
    assert.notEqual(rows[1][0], rows[0][0]);
    assert.deepEqual(rows[1], [shared, 1]);
    assert.equal(rows[2][0].self, rows[2][0]);
  });

  test("Items of part of an array send that part, as a list of its own", () => {
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    // deno-lint-ignore no-sparse-arrays
    const all = [1, 2, "a", { x: 1 }, cycle, , 7, 8];
    const back = roundTrip([new Items(all, 2, 7), all, new Items(all, 0, 2)]) as [
      unknown[],
      unknown[],
      unknown[],
    ];
    assert.equal(back[0].length, 5);
    assert.deepEqual(back[0].slice(0, 2), ["a", { x: 1 }]);
    const again = back[0][2] as { self: unknown };
    assert.equal(again.self, again);
    assert.ok(!(3 in back[0]), "a hole stays a hole");
    assert.equal(back[0][4], 7);
    assert.notEqual(back[1], back[0], "the whole array is another list");
    assert.equal(back[1].length, 8);
    assert.deepEqual(back[1][3], { x: 1 });
    assert.deepEqual(back[2], [1, 2]);
    // Read an element at a time: numbers, then the rest.
    assert.deepEqual(readAll(message(new Items(all, 1, 4))), [2, "a", { x: 1 }]);
    assert.deepEqual(readAll(message(new Items(all, 6, 8))), [7, 8]);
    assert.deepEqual(readAll(message(new Items(all, 3, 3))), []);
  });

  test("Rows of part of a list send those rows, numbered from the first", () => {
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    const rows = [[1, 2], [3, 4], [5, "x"], [cycle, 6], [7, 8], [9, 10]];
    const back = roundTrip([new Rows(rows, 2, 1, 4), rows, new Rows(rows, 2, 4, 6)]) as [
      unknown[][],
      unknown[][],
      unknown[][],
    ];
    assert.deepEqual(back[0].slice(0, 2), [[3, 4], [5, "x"]]);
    const again = back[0][2][0] as { self: unknown };
    assert.equal(again.self, again);
    assert.equal(back[0].length, 3);
    assert.equal(back[1].length, 6, "the whole list is another list");
    assert.deepEqual(back[2], [[7, 8], [9, 10]]);
    // Read a row at a time: the numbers' run, then the rest.
    assert.deepEqual(readAll(message(new Rows(rows, 2, 0, 2))), [[1, 2], [3, 4]]);
    assert.deepEqual(readAll(message(new Rows(rows, 2, 2, 3))), [[5, "x"]]);
    assert.deepEqual(readAll(message(new Rows(rows, 2, 5, 5))), []);
    // A row that cannot be sent is named by its place in the part.
    assert.throws(
      () => roundTrip(new Rows([[1, 2], [3, 4], [5, Symbol("s")]], 2, 1, 3)),
      /^TypeError: value\[1\]\[1\] is a symbol/,
    );
  });

  test("an object outside the Items is not looked for inside them, nor theirs outside", () => {
    const shared = { s: 1 };
    const cycle: { self?: unknown } = {};
    cycle.self = cycle;
    const back = roundTrip([shared, new Items([shared, cycle]), shared]) as [
      object,
      [object, { self: unknown }],
      object,
    ];
    assert.equal(back[0], back[2]);
    assert.notEqual(back[1][0], back[0]);
    assert.deepEqual(back[1][0], shared);
    assert.equal(back[1][1].self, back[1][1]);
  });

  test("a Nested value is a message of its own inside the message, handed over unread", () => {
    const shared = { s: 1 };
    const chunk = new Items([shared, shared, "z"]);
    const outer = roundTrip([7, new Nested(chunk), shared, shared]) as unknown[];
    assert.equal(outer[0], 7);
    assert.ok(outer[1] instanceof NestedBytes);
    // The outer message numbers its own objects, the nested one its own.
    assert.equal(outer[2], outer[3]);
    const inner = readAll((outer[1] as NestedBytes).bytes);
    assert.deepEqual(inner, [shared, shared, "z"]);
  });

  test("bytes that are not a list are refused", () => {
    assert.throws(() => openList(message({ not: "a list" })));
    assert.throws(() => openList(message(5)));
    const trailing = new Uint8Array([...message([1]), 0]);
    const list = openList(trailing);
    assert.equal(list.next(), 1);
    assert.throws(() => list.done());
  });
});
