/**
 * The one shared-memory message channel under `Queue`, `JoinableQueue`,
 * `SimpleQueue` and `Pipe`: a multi-producer multi-consumer ring of
 * length-prefixed records in a growable `SharedArrayBuffer`. Every holder,
 * in any process, reads and writes the same memory; there is no broker.
 *
 * ## Records
 *
 * A record is two header words then its payload (padded to 8 bytes):
 * `[len, seq]`. `len > 0` is a message of `len` bytes; `len === 0` is the
 * terminator that always follows the last record (nothing there yet);
 * `len < 0` is a jump: the next record is at data offset `-len - 1`. `seq`
 * counts the records before this position, so `seq` at the tail minus `seq`
 * at the head is the number of messages in the ring.
 *
 * ## Why a dead process cannot corrupt it
 *
 * A producer (under the put lock) writes a new terminator past its record,
 * then the payload, then publishes the record's `len` with one
 * `Atomics.store`: until that store, readers see the old terminator and
 * nothing else, so a producer killed half-way leaves nothing visible. A
 * record published by a producer that died before moving `TAIL` is found by
 * the next producer, which walks `TAIL` over published records before
 * writing (`#repairTail`). A consumer (under the get lock) decodes a record,
 * then moves `HEAD` past it with one store: killed before the store, the
 * record stays for the next consumer; after it, it was consumed. Both locks
 * name their owner's process slot, and a lock whose owner has ended is taken
 * over (`internal/process/table.ts` marks every ended process, however it ended).
 *
 * ## Views
 *
 * V8 reads and writes length-tracking views of a growable buffer several
 * times slower than fixed-length ones. So the
 * control words have a fixed view, and the data views are fixed too and
 * remade only when a position falls past them (the buffer grew).
 *
 * ## Growth without moving data
 *
 * Consumers never need the ring's size: they follow jumps. So a producer
 * short of room grows the buffer (seen by every holder through
 * length-tracking views) and either writes on past its tail (when the data
 * does not wrap) or, when the data wraps, jumps from its tail to the new
 * space at the old end (`JUMP` remembers where, until consumers pass it; no
 * wrap back to the start happens before then). A message larger than the
 * ring grows it to fit and is carried whole.
 *
 * @module
 */

import { copyOut, decode, encode, OVERFLOW, Reader, Writer } from "../codec/encode.ts";
import {
  CAP,
  CLOSED,
  DATA,
  GET_COUNT,
  GET_LOCK,
  GET_LOCK_WAITERS,
  HEAD,
  HEADER,
  INITIAL_DATA,
  JUMP,
  MAX_BYTES,
  MAXSIZE,
  PUT_COUNT,
  PUT_LOCK,
  PUT_LOCK_WAITERS,
  REFRESH_ROOM,
  SPACE,
  TAIL,
  UNFINISHED,
  WAKE,
} from "./layout.ts";
import { lock, unlock } from "./lock.ts";
import { checkAlive, critical, currentSlot } from "../process/table.ts";
import { notify, waitAsync } from "../wait/futex.ts";
import { AGAIN, untilAsync, untilSync } from "../wait/retry.ts";
import type { ReadyWord } from "../wait/ready.ts";

export { AGAIN };

/** What tryGet returns when there is nothing to get. */
export const NOTHING: unique symbol = Symbol("nothing");

/** Scratch for values that do not fit in the room at the tail. */
let scratch = new Writer();
// Kept between puts so that its buffer is not regrown each time; dropped
// after an unusually large message so that one huge put does not pin memory.
const KEEP_SCRATCH = 16 << 20;

// Records start 8 bytes apart: a copy between a view of shared memory and
// one of plain memory (V8's `set()` takes its relaxed-atomic path then)
// moves 8 bytes a step only when both ends are 8-aligned, else 1 (~3x
// slower a KiB on Node, ~4x on Deno). The codec aligns bytes within a
// message to its start (see putBytes in codec/encode.ts).
function align8(n: number): number {
  return (n + 7) & ~7;
}

/** A channel over one shared buffer; any number of these may exist over the same buffer. */
export class Channel {
  /** The shared buffer: what is sent to other processes. */
  readonly sab: SharedArrayBuffer;
  /** The control words (fixed-length view). */
  readonly i32: Int32Array;
  /** Data views, as long as the buffer was when last made (see #refresh). */
  #d32!: Int32Array;
  #u8!: Uint8Array;
  #writer!: Writer;
  #reader!: Reader;
  /** This process's slot + 1, the lock owner word. */
  #me = 0;
  /** HEAD as this producer last read it, and TAIL and its seq as they were then (see #headFor). */
  #head = 0;
  #tailSeen = -1;
  /** The private buffer of `tryGet("reused")`. */
  #taken = new Uint8Array(0);
  #seqSeen = -1;
  /** Bytes of the last message this producer put (where to try the next one). */
  #lastLen = 0;

  /**
   * A new, empty channel holding at most `maxsize` messages (0: unbounded)
   * in a buffer of at most `maxBytes` bytes (smaller only in tests).
   */
  static create(maxsize: number, maxBytes: number = MAX_BYTES): Channel {
    const sab = new SharedArrayBuffer(DATA + INITIAL_DATA, { maxByteLength: maxBytes });
    const i32 = new Int32Array(sab);
    i32[MAXSIZE] = maxsize;
    i32[CAP] = INITIAL_DATA;
    // Data offset 0 starts as a terminator with seq 0; TAIL = HEAD = 0.
    return new Channel(sab);
  }

  /** A channel over an existing buffer (one made by {@linkcode Channel.create}). */
  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.i32 = new Int32Array(sab, 0, DATA >> 2);
    this.#refresh();
  }

  /** Remakes the data views over the whole buffer as it is now. */
  #refresh(): void {
    const bytes = this.sab.byteLength;
    this.#d32 = new Int32Array(this.sab, 0, bytes >> 2);
    this.#u8 = new Uint8Array(this.sab, 0, bytes);
    this.#writer = new Writer(this.#u8, 0);
    this.#reader = new Reader(this.#u8);
  }

  /** The bound on the number of messages, 0 for none. */
  get maxsize(): number {
    return this.i32[MAXSIZE];
  }

  /** Approximate number of messages (exact when nothing is in flight). */
  size(): number {
    checkAlive();
    return Math.max(0, (Atomics.load(this.i32, PUT_COUNT) - Atomics.load(this.i32, GET_COUNT)) | 0);
  }

  /** Whether `close()` was called by any holder. */
  get closed(): boolean {
    return Atomics.load(this.i32, CLOSED) === 1;
  }

  /** Marks the channel closed and wakes every sleeper so that it notices. */
  close(): void {
    critical(() => Atomics.store(this.i32, CLOSED, 1));
    this.wake();
  }

  /** Wakes consumers and producers to re-check their conditions. */
  wake(): void {
    this.wakeReaders();
    Atomics.add(this.i32, SPACE, 1);
    notify(this.i32, SPACE);
  }

  /** Wakes the consumers asleep in a wait for a message, to re-check their conditions. */
  wakeReaders(): void {
    Atomics.add(this.i32, WAKE, 1);
    notify(this.i32, WAKE);
  }

  /**
   * A consumer's wait: calls `attempt` until it returns something other
   * than {@linkcode AGAIN} or `deadline` passes (then returns AGAIN),
   * sleeping between tries until a message is put or the channel is woken.
   */
  untilReadable<T>(
    attempt: () => T | typeof AGAIN,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<T | typeof AGAIN> {
    return untilAsync(this.i32, WAKE, true, attempt, deadline, signal, PUT_COUNT);
  }

  /** The blocking form of {@linkcode Channel.untilReadable}. */
  untilReadableSync<T>(attempt: () => T | typeof AGAIN, deadline: number): T | typeof AGAIN {
    return untilSync(this.i32, WAKE, true, attempt, deadline, PUT_COUNT);
  }

  /**
   * One sleep of a consumer that runs its own loop: counts itself as a
   * sleeper, calls `attempt` for a last look, and if that gives
   * {@linkcode AGAIN}, sleeps until a put, {@linkcode Channel.wakeReaders}
   * or `deadline`. Returns what `attempt` returned. No spin, no retry.
   */
  async sleepReadable<T>(
    attempt: () => T | typeof AGAIN,
    deadline: number,
  ): Promise<T | typeof AGAIN> {
    const i32 = this.i32;
    // Count ourselves as a sleeper before the last look, so that a producer
    // putting after it sees us and notifies.
    Atomics.add(i32, WAKE + 1, 1);
    try {
      const seen = Atomics.load(i32, WAKE);
      const result = attempt();
      if (result === AGAIN) await waitAsync(i32, WAKE, seen, deadline);
      return result;
    } finally {
      Atomics.sub(i32, WAKE + 1, 1);
    }
  }

  /**
   * What `connection.wait` sleeps on for a consumer of this channel: the
   * word a put bumps (when someone sleeps), with `ready` as its check.
   */
  readyWord(ready: (async: boolean) => boolean): ReadyWord {
    return { i32: this.i32, index: WAKE, counted: true, ready };
  }

  /**
   * A producer's wait: calls `attempt` until it returns something other
   * than {@linkcode AGAIN} or `deadline` passes (then returns AGAIN),
   * sleeping between tries until a message is taken or the channel is woken.
   */
  untilWritable<T>(
    attempt: () => T | typeof AGAIN,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<T | typeof AGAIN> {
    return untilAsync(this.i32, SPACE, true, attempt, deadline, signal, GET_COUNT);
  }

  /** The blocking form of {@linkcode Channel.untilWritable}. */
  untilWritableSync<T>(attempt: () => T | typeof AGAIN, deadline: number): T | typeof AGAIN {
    return untilSync(this.i32, SPACE, true, attempt, deadline, GET_COUNT);
  }

  /**
   * Marks one message put with `count` (JoinableQueue) as processed.
   *
   * @returns false, changing nothing, if none is unfinished.
   */
  taskDone(): boolean {
    const i32 = this.i32;
    const left = critical(() => {
      for (;;) {
        const left = Atomics.load(i32, UNFINISHED);
        if (left <= 0 || Atomics.compareExchange(i32, UNFINISHED, left, left - 1) === left) {
          return left;
        }
      }
    });
    if (left === 1) notify(i32, UNFINISHED);
    return left > 0;
  }

  /** Waits until no message is unfinished; false if `deadline` passed first. */
  async untilAllDone(deadline: number, signal?: AbortSignal): Promise<boolean> {
    return await untilAsync(this.i32, UNFINISHED, false, this.#allDone, deadline, signal) === true;
  }

  /** The blocking form of {@linkcode Channel.untilAllDone}. */
  untilAllDoneSync(deadline: number): boolean {
    return untilSync(this.i32, UNFINISHED, false, this.#allDone, deadline) === true;
  }

  #allDone = (): true | typeof AGAIN => Atomics.load(this.i32, UNFINISHED) === 0 ? true : AGAIN;

  /**
   * Puts one message unless the channel is full (then returns false and
   * changes nothing). `root` names the value in error messages; `count`
   * adds one to UNFINISHED (JoinableQueue). Throws for a value that cannot
   * be encoded, leaving the channel as it was. An unbounded channel is
   * never full: when its buffer is at its limit (or memory runs out) the
   * put throws a `RangeError` saying so instead of returning false,
   * so that no caller can drop a message by ignoring the result.
   */
  tryPut(value: unknown, root: string, count = false): boolean {
    const i32 = this.i32;
    let encoded: Writer | undefined;
    let done = false;
    this.#lock(PUT_LOCK);
    try {
      // Another process may have grown the buffer.
      if (DATA + i32[CAP] > this.#u8.length) this.#refresh();
      const tail = this.#repairTail();
      let head = this.#headFor(tail);
      const maxsize = i32[MAXSIZE];
      if (maxsize > 0) {
        // Exact under the put lock with a fresh head: the tail is ours, and
        // the record at a stale head can only be overwritten by the put-lock
        // holder (us). A cached head over-counts, so re-read it before
        // saying full.
        let inRing = this.#inRing(tail, head);
        if (inRing >= maxsize) inRing = this.#inRing(tail, head = this.#loadHead(tail));
        if (inRing >= maxsize) return false;
      }
      // First try: encode straight into the room at the tail. What an
      // overflowing attempt wrote is in free space, unpublished. If it does
      // not fit there, with HEAD read again (ours may be old): at the tail
      // again if that freed room, else at the start of the ring if the data
      // does not wrap and there is more room there. A ring drained as fast
      // as it is filled (a pool worker's) has its tail past the middle half
      // the time: its large messages would otherwise be encoded twice, the
      // second time privately.
      let room = this.#roomAt(tail, head);
      let place = tail;
      if (room < REFRESH_ROOM || room < this.#lastLen) {
        room = this.#roomAt(tail, head = this.#loadHead(tail));
        const front = this.#front(tail, head);
        if (front > room && room < this.#lastLen) {
          place = 0;
          room = front;
        }
      }
      for (let attempt = 0; attempt < 2; attempt++) {
        if (room >= 16) {
          const w = this.#writer;
          w.pos = DATA + place + HEADER;
          w.end = w.pos + (room & ~7);
          try {
            encode(value, w, root);
            this.#lastLen = w.pos - (DATA + place + HEADER);
            this.#commit(tail, place, this.#lastLen, count);
            done = true;
            return true;
          } catch (error) {
            if (error !== OVERFLOW) throw error;
          }
        }
        if (place === 0) break;
        const tried = room;
        room = this.#roomAt(tail, head = this.#loadHead(tail));
        const front = this.#front(tail, head);
        if (front > room) {
          place = 0;
          room = front;
        }
        if (room <= tried && place === tail) break;
      }
      // Then: encode privately to learn the size, and make room for it.
      encoded = scratch;
      encoded.pos = 0;
      encode(value, encoded, root);
      const len = encoded.pos;
      const max = this.sab.maxByteLength;
      if (len > max - DATA - 4 * HEADER) {
        throw new RangeError(
          `${root} is ${len} bytes encoded, more than a channel can hold (${max} bytes)`,
        );
      }
      const at = this.#reserve(tail, HEADER + align8(len) + HEADER, root);
      if (at < 0) {
        if (maxsize > 0) return false;
        throw new RangeError(
          `${root} (${len} bytes encoded) does not fit: the channel's unread messages fill ` +
            `its ${max} bytes; a reader must take some first`,
        );
      }
      this.#u8.set(encoded.u8.subarray(0, len), DATA + at + HEADER);
      this.#commit(tail, at, len, count);
      done = true;
      return true;
    } finally {
      unlock(this.i32, PUT_LOCK);
      // Publish, then look for sleepers: a consumer counts itself (WAKE + 1)
      // before it re-checks and sleeps, so either it sees our record or we
      // see it (sequentially consistent order) and bump WAKE to wake it.
      if (done && Atomics.load(i32, WAKE + 1) > 0) {
        Atomics.add(i32, WAKE, 1);
        notify(i32, WAKE);
      }
      if (encoded !== undefined && encoded.u8.length > KEEP_SCRATCH) scratch = new Writer();
    }
  }

  /**
   * Takes the oldest message, or returns {@linkcode NOTHING}. `raw`: its
   * bytes instead, in a new buffer; `"reused"`: its bytes in a private
   * buffer this object reuses, valid until its next such get (no allocation
   * and no garbage per message: decode them at once).
   */
  tryGet(raw: boolean | "reused" = false): unknown {
    const i32 = this.i32;
    this.#lock(GET_LOCK);
    let got = false;
    try {
      let head = i32[HEAD];
      for (;;) {
        // A position past our views: the buffer grew since they were made.
        if (DATA + head + HEADER > this.#u8.length) this.#refresh();
        const at = (DATA + head) >> 2;
        // Acquire: pairs with the producer's publishing store, so the
        // payload written before it is visible after this load.
        const len = Atomics.load(this.#d32, at);
        if (len === 0) return NOTHING;
        if (len < 0) {
          head = -len - 1;
          Atomics.store(i32, HEAD, head);
          continue;
        }
        const seq = this.#d32[at + 1];
        const start = DATA + head + HEADER;
        if (start + len > this.#u8.length) this.#refresh();
        try {
          if (raw === "reused") return this.#reuse(start, len);
          if (raw) return copyOut(this.#u8, start, len);
          this.#reader.pos = start;
          this.#reader.end = start + len;
          return decode(this.#reader);
        } finally {
          // Consumed even if decoding threw, so one bad record cannot wedge
          // the channel; moved only after the payload is read, so producers
          // never overwrite it while we read.
          Atomics.store(i32, HEAD, head + HEADER + align8(len));
          // A hint; the unlock's store publishes it.
          i32[GET_COUNT] = seq + 1;
          got = true;
        }
      }
    } finally {
      unlock(this.i32, GET_LOCK);
      // As in tryPut, for producers sleeping for room.
      if (got && Atomics.load(i32, SPACE + 1) > 0) {
        Atomics.add(i32, SPACE, 1);
        notify(i32, SPACE);
      }
    }
  }

  #reuse(start: number, len: number): Uint8Array {
    // Grown by doubling; let go of after an unusually large message.
    if (this.#taken.length < len || this.#taken.length > KEEP_SCRATCH) {
      this.#taken = new Uint8Array(Math.max(len, Math.min(2 * this.#taken.length, KEEP_SCRATCH)));
    }
    this.#taken.set(this.#u8.subarray(start, start + len));
    return this.#taken.subarray(0, len);
  }

  /** Walks TAIL over records published by a producer that died before moving it. */
  #repairTail(): number {
    const i32 = this.i32;
    const d32 = this.#d32;
    // Plain reads: every earlier producer's stores happen before our lock
    // acquisition (its unlock and our compareExchange are both atomic).
    let tail = i32[TAIL];
    for (let len = d32[(DATA + tail) >> 2]; len !== 0;) {
      tail = len > 0 ? tail + HEADER + align8(len) : -len - 1;
      len = d32[(DATA + tail) >> 2];
    }
    if (tail !== i32[TAIL]) {
      i32[TAIL] = tail;
      i32[PUT_COUNT] = d32[((DATA + tail) >> 2) + 1];
    }
    return tail;
  }

  /**
   * The head to plan a put with. HEAD is the consumers' line: reading it on
   * every put pulls that line to our core. A head read before is safe while
   * no other producer has written since (TAIL is where this producer left
   * it, with the same seq: other producers may have gone a whole lap and
   * brought TAIL back to the same place): it is then behind the real head
   * in the same lap, so it only understates the free space. Otherwise it is
   * read again.
   */
  #headFor(tail: number): number {
    return tail === this.#tailSeen && this.#d32[((DATA + tail) >> 2) + 1] === this.#seqSeen
      ? this.#head
      : this.#loadHead(tail);
  }

  #loadHead(tail: number): number {
    this.#tailSeen = tail;
    this.#seqSeen = this.#d32[((DATA + tail) >> 2) + 1];
    return this.#head = Atomics.load(this.i32, HEAD);
  }

  /** Messages between `head` and `tail`, from the seq words there. */
  #inRing(tail: number, head: number): number {
    const d32 = this.#d32;
    return (d32[((DATA + tail) >> 2) + 1] - d32[((DATA + head) >> 2) + 1]) | 0;
  }

  /**
   * Bytes of payload that fit at the start of the ring (a wrap): 0 unless
   * the data does not wrap (and no jump is ahead of the consumers).
   */
  #front(tail: number, head: number): number {
    return tail > 0 && tail >= head && !this.#jumped(tail, head) ? head - 2 * HEADER : 0;
  }

  /** Bytes of payload that fit at `tail` without wrapping or growing. */
  #roomAt(tail: number, head: number): number {
    const limit = this.#jumped(tail, head) || tail >= head ? this.#cap() : head;
    return limit - tail - 2 * HEADER;
  }

  /** Whether a jump is still ahead of the consumers (clears a finished or stale one). */
  #jumped(tail: number, head: number): boolean {
    const jump = this.i32[JUMP];
    if (jump === 0) return false;
    // tail < jump: the jump was never published (its producer died).
    // head >= jump: the consumers have followed it.
    if (tail < jump || head >= jump) {
      this.i32[JUMP] = 0;
      return false;
    }
    return true;
  }

  #cap(): number {
    return this.i32[CAP];
  }

  /**
   * Finds `need` contiguous bytes (record and the terminator after it),
   * growing or jumping as needed; -1 when the buffer is at its limit.
   */
  #reserve(tail: number, need: number, root: string): number {
    const head = this.#loadHead(tail);
    const jumped = this.#jumped(tail, head);
    if (jumped || tail >= head) {
      if (tail + need <= this.#cap()) return tail;
      // Wrap to the start: the record and its terminator end before HEAD.
      if (!jumped && need <= head) return 0;
      // The data ends at the tail: grow and write on.
      return this.#grow(tail + need, root) ? tail : -1;
    }
    if (tail + need <= head) return tail;
    // The data wraps: jump to new space at the old end.
    const at = this.#cap();
    if (!this.#grow(at + need, root)) return -1;
    this.i32[JUMP] = at;
    return at;
  }

  #grow(dataBytes: number, root: string): boolean {
    const want = DATA + dataBytes;
    const max = this.sab.maxByteLength;
    if (want > max) return false;
    if (this.sab.byteLength < want) {
      try {
        this.sab.grow(Math.min(max, Math.max(want, this.sab.byteLength * 2)));
      } catch {
        // Growing to less than the current length throws; nobody else grows
        // it while we hold the put lock, except a producer that has died.
        // Else the doubling asked for more memory than there is: ask for
        // just what this record needs.
        try {
          if (this.sab.byteLength < want) this.sab.grow(want);
        } catch (error) {
          if (this.sab.byteLength < want) {
            throw new RangeError(
              `${root} does not fit: out of memory growing the channel to ${want} bytes`,
              { cause: error },
            );
          }
        }
      }
    }
    // CAP is what producers use, and it moves only under the put lock; a
    // producer that died between grow() and here only wasted some space.
    this.i32[CAP] = this.sab.byteLength - DATA;
    this.#refresh();
    return true;
  }

  /**
   * Publishes a record of `len` bytes written at `at` (after the header),
   * the tail being `tail`. The order of stores is what makes a crash at any
   * point harmless (see the module doc).
   */
  #commit(tail: number, at: number, len: number, count: boolean): void {
    const i32 = this.i32;
    const d32 = this.#d32;
    const seq = d32[((DATA + tail) >> 2) + 1];
    const next = at + HEADER + align8(len);
    // 1. The new terminator, in free space no reader can reach yet.
    d32[(DATA + next) >> 2] = 0;
    d32[((DATA + next) >> 2) + 1] = seq + 1;
    d32[((DATA + at) >> 2) + 1] = seq;
    if (count) Atomics.add(i32, UNFINISHED, 1);
    // 2. The record. When it is not at the tail, it is unreachable until 3.
    Atomics.store(d32, (DATA + at) >> 2, len);
    // 3. The jump from the tail, if any: now readers can reach the record.
    if (at !== tail) Atomics.store(d32, (DATA + tail) >> 2, -at - 1);
    // Producer-private and a hint: the unlock's store publishes both.
    i32[TAIL] = next;
    i32[PUT_COUNT] = seq + 1;
    // Our cached head stays valid: we are the last producer to write.
    if (this.#tailSeen === tail) {
      this.#tailSeen = next;
      this.#seqSeen = seq + 1;
    }
  }

  #lock(word: number): void {
    this.#me ||= currentSlot() + 1;
    lock(this.i32, word, this.#me);
  }
}

/** The layout, for tests. */
export const _layout = {
  DATA,
  GET_LOCK,
  GET_LOCK_WAITERS,
  HEAD,
  JUMP,
  PUT_LOCK,
  PUT_LOCK_WAITERS,
  TAIL,
} as const;
