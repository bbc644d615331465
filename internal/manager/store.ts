/**
 * The store under a Manager's proxies: each container (a dict, a list, a
 * Namespace) is a small header block in the tree's shared arena pointing at
 * a snapshot of its value, encoded with the library's codec. Every process
 * that uses it keeps a decoded replica and the snapshot's version; a call
 * takes the container's lock, decodes the snapshot only if another process
 * has changed it since, works on the replica and, for a change, writes a
 * new snapshot.
 *
 * Why a process killed mid-call never leaves a container half-updated: a
 * change is written into the container's spare block and published by one
 * atomic store of the header's DATA word (the new snapshot carries its
 * version), so the container holds either the old value or the new one. Its
 * lock records its owner, and a lock whose owner has ended is taken over
 * (see channel/lock.ts).
 *
 * Shutdown frees the snapshots; the headers (a few dozen bytes each) stay
 * until the program ends, so that a proxy in any process still finds a
 * lock word there and learns that its Manager is gone.
 *
 * @module
 */

import { lock, unlock } from "../channel/lock.ts";
import { decode, encode, Reader, Writer } from "../codec/encode.ts";
import {
  allocBlock,
  arena,
  blockSize,
  dataOffset,
  freeBlock,
  withArenaLock,
} from "../memory/arena.ts";
import { currentSlot } from "../process/table.ts";
import { encodeArgs, reviveSync, sharedKinds } from "../shareable.ts";
import { ManagerShutdownError } from "./errors.ts";

// Words of a container header (Int32, from its block's data offset / 4).
/** The container lock: owner slot + 1 (see channel/lock.ts); the word after counts sleepers. */
const LOCK = 0;
/** Block of the current snapshot, 0 while the value is empty. Published last, by one store. */
const DATA = 2;
/** Block the next snapshot is written to (the previous one), 0 if none yet. */
const SPARE = 3;
/** Data offset of the Manager's header (its STATE word). */
const MANAGER = 4;
const HEADER_BYTES = 32;

// A snapshot block: its version, the length of the encoded value, the bytes.
const SNAP_VERSION = 0;
const SNAP_LEN = 1;
const SNAP_BYTES = 8;

// The Manager's header.
/** RUNNING or SHUT. */
const STATE = 0;
const RUNNING = 1;
const SHUT = 2;
const MANAGER_BYTES = 8;

/** Where a container lives: its header's and its Manager's data offsets. */
export interface Ref {
  readonly at: number;
  readonly manager: number;
}

/** The value kinds of the containers. */
export type Kind = "dict" | "list" | "namespace";

interface Replica {
  version: number;
  value: unknown;
}

// This process's replicas, by container.
const replicas = new Map<number, Replica>();
let writer = new Writer();

/** Makes a Manager's header; returns its data offset. */
export function createManager(): number {
  return withArenaLock((a) => {
    const at = dataOffset(a, allocBlock(a, MANAGER_BYTES));
    Atomics.store(a.i32, (at >> 2) + STATE, RUNNING);
    return at;
  });
}

/** Whether the Manager at `manager` is still running. */
export function managerRunning(manager: number): boolean {
  return Atomics.load(arena().i32, (manager >> 2) + STATE) === RUNNING;
}

/** Makes an empty container of the Manager at `manager`. */
export function createContainer(manager: number): Ref {
  const at = withArenaLock((a) => dataOffset(a, allocBlock(a, HEADER_BYTES)));
  Atomics.store(arena().i32, (at >> 2) + MANAGER, manager);
  return { at, manager };
}

/**
 * Shuts the Manager down: from now on every call on its containers throws
 * {@linkcode ManagerShutdownError}; their snapshots go back to the arena.
 */
export function shutdownManager(manager: number, containers: Iterable<number>): void {
  const a = arena();
  Atomics.store(a.i32, (manager >> 2) + STATE, SHUT);
  for (const at of containers) {
    const w = at >> 2;
    // Under the container's lock: no call is between its check and its end.
    lock(a.i32, w + LOCK, currentSlot() + 1);
    try {
      arena();
      const data = a.i32[w + DATA];
      const spare = a.i32[w + SPARE];
      a.i32[w + DATA] = 0;
      a.i32[w + SPARE] = 0;
      withArenaLock((a) => {
        if (data) freeBlock(a, data);
        if (spare) freeBlock(a, spare);
      });
    } finally {
      unlock(a.i32, w + LOCK);
    }
    replicas.delete(at);
  }
}

/** The empty value of a kind. */
function empty(kind: Kind): unknown {
  return kind === "dict" ? new Map() : kind === "list" ? [] : {};
}

/** Locks the container and brings this process's replica up to date. */
function enter(ref: Ref, kind: Kind): Replica {
  const a = arena();
  if (Atomics.load(a.i32, (ref.manager >> 2) + STATE) !== RUNNING) {
    throw new ManagerShutdownError();
  }
  const w = ref.at >> 2;
  lock(a.i32, w + LOCK, currentSlot() + 1);
  try {
    // Another process may have grown the arena while we waited.
    arena();
    // Again under the lock: shutdown() frees the snapshots holding it.
    if (Atomics.load(a.i32, (ref.manager >> 2) + STATE) !== RUNNING) {
      throw new ManagerShutdownError();
    }
    const block = Atomics.load(a.i32, w + DATA);
    const version = block ? a.i32[(dataOffset(a, block) >> 2) + SNAP_VERSION] : 0;
    let replica = replicas.get(ref.at);
    if (!replica || replica.version !== version) {
      replica = { version, value: block ? load(block, kind) : empty(kind) };
      replicas.set(ref.at, replica);
    }
    return replica;
  } catch (error) {
    unlock(a.i32, w + LOCK);
    throw error;
  }
}

function load(block: number, kind: Kind): unknown {
  const a = arena();
  const at = dataOffset(a, block);
  const len = a.i32[(at >> 2) + SNAP_LEN];
  // A private copy: the codec reads through fixed-length views.
  const bytes = a.u8.slice(at + SNAP_BYTES, at + SNAP_BYTES + len);
  const value = decode(new Reader(bytes));
  return kind === "dict" ? new Map(value as [unknown, unknown][]) : value;
}

/** Writes the replica as the container's new snapshot and publishes it. */
function publish(ref: Ref, kind: Kind, replica: Replica): void {
  const a = arena();
  const w = ref.at >> 2;
  writer.pos = 0;
  encode(
    kind === "dict" ? [...(replica.value as Map<unknown, unknown>)] : replica.value,
    writer,
    "value",
  );
  const len = writer.pos;
  let target = a.i32[w + SPARE];
  // A writer that died between publishing and recording its spare left
  // SPARE naming the current snapshot: never write over that one.
  if (target === a.i32[w + DATA]) target = 0;
  if (!target || blockSize(a, target) < SNAP_BYTES + len) {
    const old = a.i32[w + DATA] === a.i32[w + SPARE] ? 0 : a.i32[w + SPARE];
    target = withArenaLock((a) => {
      if (old) freeBlock(a, old);
      return allocBlock(a, Math.max(64, 2 * (SNAP_BYTES + len)));
    });
    a.i32[w + SPARE] = target;
  }
  const at = dataOffset(a, target);
  const version = (replica.version + 1) | 0;
  a.i32[(at >> 2) + SNAP_VERSION] = version;
  a.i32[(at >> 2) + SNAP_LEN] = len;
  a.u8.set(writer.u8.subarray(0, len), at + SNAP_BYTES);
  if (writer.u8.length > 1 << 20) writer = new Writer();
  // The one store that makes the change: before it the old snapshot holds,
  // after it the new one (whole, with its version).
  const previous = a.i32[w + DATA];
  Atomics.store(a.i32, w + DATA, target);
  a.i32[w + SPARE] = previous;
  replica.version = version;
}

/** Runs `fn` on the container's value (a copy for this process), changing nothing. */
export function read<T>(ref: Ref, kind: Kind, fn: (value: never) => T): T {
  const replica = enter(ref, kind);
  try {
    return fn(replica.value as never);
  } finally {
    unlock(arena().i32, (ref.at >> 2) + LOCK);
  }
}

/**
 * Runs `fn` on the container's value, which it may change in place, and
 * publishes the result: atomically, for every process.
 */
export function write<T>(ref: Ref, kind: Kind, fn: (value: never) => T): T {
  const replica = enter(ref, kind);
  try {
    const result = fn(replica.value as never);
    publish(ref, kind, replica);
    return result;
  } catch (error) {
    // The replica may be half-changed; the shared value is not.
    replicas.delete(ref.at);
    throw error;
  } finally {
    unlock(arena().i32, (ref.at >> 2) + LOCK);
  }
}

/** Kinds of shared objects a container can hold: the Manager's own proxies. */
const PROXY_KINDS = new Set(["DictProxy", "ListProxy", "NamespaceProxy"]);

/**
 * A value as a container stores it: a copy, with nested proxies as markers.
 * Throws a `TypeError` naming the path of anything that cannot be stored.
 */
export function toStored(value: unknown, path: string): unknown {
  const stored = encodeArgs(value, path);
  for (const [at, kind] of sharedKinds(stored, path)) {
    if (!PROXY_KINDS.has(kind)) {
      throw new TypeError(
        `${at} is a shared ${kind}, which a Manager's containers cannot hold (only its dict, ` +
          "list and Namespace proxies nest): pass it in a process's args",
      );
    }
  }
  return stored;
}

/** A stored value as a caller gets it: a copy, nested proxies revived. */
export function fromStored<T>(value: unknown): T {
  if (typeof value !== "object" || value === null) return value as T;
  return reviveSync(structuredClone(value)) as T;
}
