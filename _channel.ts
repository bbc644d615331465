/**
 * The one shared-memory message channel under `Queue`, `JoinableQueue`,
 * `SimpleQueue` and `Pipe`: a multi-producer multi-consumer ring of
 * length-prefixed records in a growable `SharedArrayBuffer`. Every holder,
 * in any process, reads and writes the same memory; there is no broker.
 *
 * ## Records
 *
 * A record is two header words then its payload (padded to 4 bytes):
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
 * over (`_registry.ts` marks every ended process, however it ended).
 *
 * ## Views
 *
 * V8 reads and writes length-tracking views of a growable buffer ~10x
 * slower than fixed-length ones (40–80 ns against 5–30 ns a word). So the
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

import { decode, encode, OVERFLOW, Reader, Writer } from "./_codec.ts";
import { currentSlot, slotAlive } from "./_registry.ts";
import { notify, waitSync } from "./_wait.ts";

// Control words (Int32 indices), one 64-byte line (16 words) per group, so
// that what one side writes on every operation does not share a line with
// what the other side reads on every operation (each such read pulls the
// line to the reader's core, and the writer's next write pulls it back).

// Line 0: the producers' own words.
/** Put lock: 0 when free, else the owner's process slot + 1. */
const PUT_LOCK = 0;
/** Processes sleeping on PUT_LOCK (skip the notify when there are none). */
const PUT_LOCK_WAITERS = 1;
/** Data offset of the terminator after the newest record (producer-private). */
const TAIL = 2;
/** Data offset a producer jumped to while consumers were still behind it; 0 when none. */
const JUMP = 3;
/** Bytes of data region, as of the last growth (producer-private). */
const CAP = 4;

// Line 1.
/** Records published so far: a hint for qsize/empty, and what waiting consumers spin on. */
export const PUT_COUNT = 16;

// Line 2.
/** Bumped after a put when consumers sleep, and on close: what they sleep on. */
export const WAKE = 32;
// WAKE + 1 counts the sleepers on WAKE.

// Line 3: the consumers' own words.
/** Get lock: 0 when free, else the owner's process slot + 1. */
const GET_LOCK = 48;
/** Processes sleeping on GET_LOCK. */
const GET_LOCK_WAITERS = 49;
/** Data offset of the oldest unconsumed record (consumer-private). */
const HEAD = 50;

// Line 4.
/** Records consumed so far: a hint, and what waiting producers spin on. */
export const GET_COUNT = 64;

// Line 5.
/** Bumped after a get when producers sleep, and on close: what they sleep on. */
export const SPACE = 80;
// SPACE + 1 counts the sleepers on SPACE.

// Line 6: settings, read often, written rarely.
/** The queue's maxsize; 0 for unbounded. */
const MAXSIZE = 96;
/** 1 once closed. */
const CLOSED = 97;
/** JoinableQueue: items put and not yet marked done. Joiners sleep on it. */
export const UNFINISHED = 98;

/** Pipe: two words per process holding the write end (see `_channel_holders.ts`). */
export const HOLDERS = 112;
/** How many holder words there are (128 entries). */
export const HOLDER_WORDS = 256;

/** Byte offset of the data region (after HOLDERS, a multiple of 64). */
const DATA = 1536;

// A put re-reads HEAD when the room it sees with a cached head is below this,
// before it would fall back to encoding privately.
const REFRESH_ROOM = 4096;

/** Bytes of data region a new channel starts with. */
const INITIAL_DATA = 64 * 1024;
/** The most a channel's buffer may grow to. */
const MAX_BYTES = 1 << 30;
/** Header words of a record, in bytes. */
const HEADER = 8;

// A lock holder's critical section is a few microseconds; a waiter wakes at
// least this often anyway, to check whether the owner has died.
const LOCK_SLICE_MS = 50;
// How long a lock must stay with an ended owner before it is taken over
// (see #lockSlow): far longer than a terminated thread runs on.
const STEAL_GRACE_MS = 300;

/** What tryGet returns when there is nothing to get. */
export const NOTHING: unique symbol = Symbol("nothing");

/** Scratch for values that do not fit in the room at the tail. */
let scratch = new Writer();

function align4(n: number): number {
  return (n + 3) & ~3;
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
  /** Lock acquisitions, to check this process's own liveness every so often. */
  #ops = 0;
  /** HEAD as this producer last read it, and TAIL as it was then (see #headFor). */
  #head = 0;
  #tailSeen = -1;

  /** A new, empty channel holding at most `maxsize` messages (0: unbounded). */
  static create(maxsize: number): Channel {
    const sab = new SharedArrayBuffer(DATA + INITIAL_DATA, { maxByteLength: MAX_BYTES });
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
    return Math.max(0, (Atomics.load(this.i32, PUT_COUNT) - Atomics.load(this.i32, GET_COUNT)) | 0);
  }

  /** Whether `close()` was called by any holder. */
  get closed(): boolean {
    return Atomics.load(this.i32, CLOSED) === 1;
  }

  /** Marks the channel closed and wakes every sleeper so that it notices. */
  close(): void {
    Atomics.store(this.i32, CLOSED, 1);
    this.wake();
  }

  /** Wakes consumers and producers to re-check their conditions. */
  wake(): void {
    Atomics.add(this.i32, WAKE, 1);
    notify(this.i32, WAKE);
    Atomics.add(this.i32, SPACE, 1);
    notify(this.i32, SPACE);
  }

  /**
   * Puts one message unless the channel is full (then returns false and
   * changes nothing). `root` names the value in error messages; `count`
   * adds one to UNFINISHED (JoinableQueue). Throws for a value that cannot
   * be encoded, leaving the channel as it was.
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
      // overflowing attempt wrote is in free space, unpublished.
      let room = this.#roomAt(tail, head);
      if (room < REFRESH_ROOM) room = this.#roomAt(tail, head = this.#loadHead(tail));
      if (room >= 16) {
        const w = this.#writer;
        w.pos = DATA + tail + HEADER;
        w.end = w.pos + (room & ~3);
        try {
          encode(value, w, root);
          this.#commit(tail, tail, w.pos - (DATA + tail + HEADER), count);
          done = true;
          return true;
        } catch (error) {
          if (error !== OVERFLOW) throw error;
        }
      }
      // Then: encode privately to learn the size, and make room for it.
      encoded = scratch;
      encoded.pos = 0;
      encode(value, encoded, root);
      const len = encoded.pos;
      if (len > MAX_BYTES - DATA - 4 * HEADER) {
        throw new RangeError(
          `${root} is ${len} bytes encoded, more than a channel can hold (${MAX_BYTES} bytes)`,
        );
      }
      const at = this.#reserve(tail, HEADER + align4(len) + HEADER);
      if (at < 0) return false;
      this.#u8.set(encoded.u8.subarray(0, len), DATA + at + HEADER);
      this.#commit(tail, at, len, count);
      done = true;
      return true;
    } finally {
      this.#unlock(PUT_LOCK);
      // Publish, then look for sleepers: a consumer counts itself (WAKE + 1)
      // before it re-checks and sleeps, so either it sees our record or we
      // see it (sequentially consistent order) and bump WAKE to wake it.
      if (done && Atomics.load(i32, WAKE + 1) > 0) {
        Atomics.add(i32, WAKE, 1);
        notify(i32, WAKE);
      }
      if (encoded !== undefined && encoded.u8.length > 1 << 20) scratch = new Writer();
    }
  }

  /** Takes the oldest message, or returns {@linkcode NOTHING}; `raw` returns its bytes. */
  tryGet(raw = false): unknown {
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
          if (raw) return this.#u8.slice(start, start + len);
          this.#reader.pos = start;
          return decode(this.#reader);
        } finally {
          // Consumed even if decoding threw, so one bad record cannot wedge
          // the channel; moved only after the payload is read, so producers
          // never overwrite it while we read.
          Atomics.store(i32, HEAD, head + HEADER + align4(len));
          // A hint; the unlock's store publishes it.
          i32[GET_COUNT] = seq + 1;
          got = true;
        }
      }
    } finally {
      this.#unlock(GET_LOCK);
      // As in tryPut, for producers sleeping for room.
      if (got && Atomics.load(i32, SPACE + 1) > 0) {
        Atomics.add(i32, SPACE, 1);
        notify(i32, SPACE);
      }
    }
  }

  /** Walks TAIL over records published by a producer that died before moving it. */
  #repairTail(): number {
    const i32 = this.i32;
    const d32 = this.#d32;
    // Plain reads: every earlier producer's stores happen before our lock
    // acquisition (its unlock and our compareExchange are both atomic).
    let tail = i32[TAIL];
    for (let len = d32[(DATA + tail) >> 2]; len !== 0;) {
      tail = len > 0 ? tail + HEADER + align4(len) : -len - 1;
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
   * it): it is then behind the real head in the same lap, so it only
   * understates the free space. Otherwise it is read again.
   */
  #headFor(tail: number): number {
    return tail === this.#tailSeen ? this.#head : this.#loadHead(tail);
  }

  #loadHead(tail: number): number {
    this.#tailSeen = tail;
    return this.#head = Atomics.load(this.i32, HEAD);
  }

  /** Messages between `head` and `tail`, from the seq words there. */
  #inRing(tail: number, head: number): number {
    const d32 = this.#d32;
    return (d32[((DATA + tail) >> 2) + 1] - d32[((DATA + head) >> 2) + 1]) | 0;
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
  #reserve(tail: number, need: number): number {
    const head = this.#loadHead(tail);
    const jumped = this.#jumped(tail, head);
    if (jumped || tail >= head) {
      if (tail + need <= this.#cap()) return tail;
      // Wrap to the start: the record and its terminator end before HEAD.
      if (!jumped && need <= head) return 0;
      // The data ends at the tail: grow and write on.
      return this.#grow(tail + need) ? tail : -1;
    }
    if (tail + need <= head) return tail;
    // The data wraps: jump to new space at the old end.
    const at = this.#cap();
    if (!this.#grow(at + need)) return -1;
    this.i32[JUMP] = at;
    return at;
  }

  #grow(dataBytes: number): boolean {
    const want = DATA + dataBytes;
    if (want > MAX_BYTES) return false;
    if (this.sab.byteLength < want) {
      try {
        this.sab.grow(Math.min(MAX_BYTES, Math.max(want, this.sab.byteLength * 2)));
      } catch (error) {
        // Growing to less than the current length throws; nobody else grows
        // it while we hold the put lock, except a producer that has died.
        if (this.sab.byteLength < want) throw error;
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
    const next = at + HEADER + align4(len);
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
    if (this.#tailSeen === tail) this.#tailSeen = next;
  }

  #lock(word: number): void {
    const me = this.#me || (this.#me = currentSlot() + 1);
    if (Atomics.compareExchange(this.i32, word, 0, me) !== 0) this.#lockSlow(word, me);
    // A process marked ended may still be running (terminate() does not
    // stop a busy Deno worker at all, a Bun one only after ~50 ms): once the
    // table says it ended, others may take its locks over, so it must stop
    // using the channel. Checked every 32nd time (the table read costs as
    // much as the rest of a put): a few more operations take microseconds,
    // far inside the takeover grace.
    if ((++this.#ops & 31) === 0 && !slotAlive(me - 1)) {
      this.#unlock(word);
      throw new Error("This process was terminated; it can no longer use queues or pipes");
    }
  }

  #lockSlow(word: number, me: number): void {
    const i32 = this.i32;
    let dead = 0;
    let deadSince = 0;
    for (;;) {
      const owner = Atomics.load(i32, word);
      if (owner === 0) {
        // Seen free: an ended owner that still ran has let go, so its
        // grace starts over if it takes the lock again.
        dead = 0;
        if (Atomics.compareExchange(i32, word, 0, me) === 0) return;
      } else if (owner === me) {
        // Critical sections never await, so only re-entry (a getter on the
        // value being put that uses the same channel) gets here.
        throw new Error("A queue or pipe was used from inside a value being put on it");
      } else if (!slotAlive(owner - 1)) {
        // The owner ended while holding it; its half-done work is invisible
        // (see the module doc), so the lock is taken over. Not at once: a
        // process is marked ended when terminate() is called, a moment
        // before its thread really stops, so a "dead" owner may still be
        // finishing its critical section. Take it only once it has stayed
        // with that owner for STEAL_GRACE_MS (and #lock makes an ended
        // process give up the channel, so it can only be in a critical
        // section it entered before it was marked).
        const now = performance.now();
        if (owner !== dead) {
          dead = owner;
          deadSince = now;
        } else if (now - deadSince >= STEAL_GRACE_MS) {
          if (Atomics.compareExchange(i32, word, owner, me) === owner) return;
        }
        waitSync(i32, word, owner, now + 5);
      } else {
        Atomics.add(i32, word + 1, 1);
        waitSync(i32, word, owner, performance.now() + LOCK_SLICE_MS);
        Atomics.sub(i32, word + 1, 1);
      }
    }
  }

  #unlock(word: number): void {
    Atomics.store(this.i32, word, 0);
    if (Atomics.load(this.i32, word + 1) > 0) notify(this.i32, word, 1);
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
