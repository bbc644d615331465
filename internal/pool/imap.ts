/**
 * The feeding side of `imap` and `imapUnordered`: reads the input chunk by
 * chunk, only as far ahead as a window of chunks in flight allows, submits
 * each chunk to the scheduler and hands each outcome to the iterator.
 *
 * @module
 */

import type { Scheduler, TaskSpec } from "./core.ts";
import { STARMAP } from "./protocol.ts";
import type { ChunkSource, Outcome } from "./results.ts";
import type { TargetRef } from "../target/resolve.ts";
import { describe } from "../wait/futex.ts";

/** What {@linkcode chunkSource} feeds. */
export interface FeedOptions {
  // deno-lint-ignore no-explicit-any
  fn: (...args: any[]) => unknown;
  ref: TargetRef;
  iterable: Iterable<unknown> | AsyncIterable<unknown>;
  chunksize: number;
  /** MAP or STARMAP. */
  kind: number;
  /** Chunks in flight or waiting to be read, at most. */
  window: number;
  /** Registers the feeding loop, so that the pool's join() waits for it. */
  admit(feed: Promise<unknown>): void;
}

/** The source an `IMapIterator` reads from. */
export function chunkSource(core: Scheduler, o: FeedOptions): ChunkSource {
  let inFlight = 0;
  let stopped = false;
  let room: (() => void) | undefined;
  const live = new Set<TaskSpec>();
  return {
    start: (deliver, end) => {
      const feed = async (): Promise<void> => {
        let index = 0;
        let offset = 0;
        try {
          for await (const chunk of chunks(o.iterable, o.chunksize)) {
            while (inFlight >= o.window && !stopped) await new Promise<void>((r) => (room = r));
            if (stopped) break;
            const i = index++;
            inFlight++;
            const spec: TaskSpec = {
              kind: o.kind,
              fn: o.fn,
              ref: o.ref,
              payload: o.kind === STARMAP ? chunk.map(argList) : chunk,
              offset,
              resolve: (values) => {
                live.delete(spec);
                deliver(i, { ok: true, values: values as ArrayLike<unknown> });
              },
              reject: (error) => {
                live.delete(spec);
                deliver(i, { ok: false, error } as Outcome);
              },
            };
            offset += chunk.length;
            live.add(spec);
            core.submit(spec);
            // A terminated or broken pool fails each chunk at once: stop
            // reading (the input may be endless).
            if (!core.alive) break;
          }
        } catch (error) {
          deliver(index++, { ok: false, error });
        }
        end(index);
      };
      o.admit(feed());
    },
    consumed: () => {
      inFlight--;
      room?.();
    },
    stop: () => {
      stopped = true;
      room?.();
      for (const spec of live) if (core.cancel(spec)) live.delete(spec);
    },
  };
}

/** A starmap item as an argument list. */
export function argList(item: unknown, index: number): unknown[] {
  if (Array.isArray(item)) return item;
  if (typeof item === "object" && item !== null && Symbol.iterator in item) {
    return Array.from(item as Iterable<unknown>);
  }
  throw new TypeError(`starmap item ${index} must be an array of arguments, got ${describe(item)}`);
}

/** The input in chunks of `size`; a sync iterable is read without awaiting each item. */
async function* chunks<T>(
  iterable: Iterable<T> | AsyncIterable<T>,
  size: number,
): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  if (typeof iterable === "string" || Symbol.iterator in iterable) {
    for (const item of iterable as Iterable<T>) {
      chunk.push(item);
      if (chunk.length === size) {
        yield chunk;
        chunk = [];
      }
    }
  } else {
    for await (const item of iterable) {
      chunk.push(item);
      if (chunk.length === size) {
        yield chunk;
        chunk = [];
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}
