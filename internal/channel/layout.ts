/**
 * The layout of a channel's shared buffer: control words, the holder table
 * of a pipe, and the data region of records (see `channel.ts`).
 *
 * @module
 */

// Control words (Int32 indices), one 64-byte line (16 words) per group, so
// that what one side writes on every operation does not share a line with
// what the other side reads on every operation (each such read pulls the
// line to the reader's core, and the writer's next write pulls it back).

// Line 0: the producers' own words.
/** Put lock: 0 when free, else the owner's process slot + 1. */
export const PUT_LOCK = 0;
/** Processes sleeping on PUT_LOCK (skip the notify when there are none). */
export const PUT_LOCK_WAITERS = 1;
/** Data offset of the terminator after the newest record (producer-private). */
export const TAIL = 2;
/** Data offset a producer jumped to while consumers were still behind it; 0 when none. */
export const JUMP = 3;
/** Bytes of data region, as of the last growth (producer-private). */
export const CAP = 4;

// Line 1.
/** Records published so far: a hint for qsize/empty, and what waiting consumers spin on. */
export const PUT_COUNT = 16;

// Line 2.
/** Bumped after a put when consumers sleep, and on close: what they sleep on. */
export const WAKE = 32;
// WAKE + 1 counts the sleepers on WAKE.

// Line 3: the consumers' own words.
/** Get lock: 0 when free, else the owner's process slot + 1. */
export const GET_LOCK = 48;
/** Processes sleeping on GET_LOCK. */
export const GET_LOCK_WAITERS = 49;
/** Data offset of the oldest unconsumed record (consumer-private). */
export const HEAD = 50;

// Line 4.
/** Records consumed so far: a hint, and what waiting producers spin on. */
export const GET_COUNT = 64;

// Line 5.
/** Bumped after a get when producers sleep, and on close: what they sleep on. */
export const SPACE = 80;
// SPACE + 1 counts the sleepers on SPACE.

// Line 6: settings, read often, written rarely.
/** The queue's maxsize; 0 for unbounded. */
export const MAXSIZE = 96;
/** 1 once closed. */
export const CLOSED = 97;
/** JoinableQueue: items put and not yet marked done. Joiners sleep on it. */
export const UNFINISHED = 98;

/** Pipe: two words per process holding the write end (see `holders.ts`). */
export const HOLDERS = 112;
/** How many words a holder table has (128 entries). */
export const HOLDER_WORDS = 256;
/** Pipe: two words per process holding the read end (see `holders.ts`). */
export const READERS = HOLDERS + HOLDER_WORDS;

/** Byte offset of the data region (after READERS, a multiple of 64). */
export const DATA = 2560;

// A put re-reads HEAD when the room it sees with a cached head is below this,
// before it would fall back to encoding privately.
export const REFRESH_ROOM = 4096;

/** Bytes of data region a new channel starts with. */
export const INITIAL_DATA = 64 * 1024;
/**
 * The most a channel's buffer may grow to: every byte offset in it (and
 * every negative jump word) must fit in an Int32. Only address space is
 * reserved for it up front, not memory.
 */
export const MAX_BYTES = 2 ** 31 - 64 * 1024;
/** Header words of a record, in bytes. */
export const HEADER = 8;
