/**
 * Worker targets for bench/queue_bench.ts (a worker imports this module to
 * find its target, so it holds only exported functions).
 */

import type { Connection, Queue } from "../mod.ts";

/** Waits until the parent opens the gate, so that start-up is not timed. */
function waitGate(gate: Int32Array): void {
  while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0, 100);
}

/** Puts `n` items: small ints, or 1 KiB Uint8Arrays. */
export function produce(q: Queue<unknown>, n: number, kind: "small" | "bytes1k", gate: Int32Array) {
  const chunk = new Uint8Array(1024).fill(7);
  waitGate(gate);
  if (kind === "small") { for (let i = 0; i < n; i++) q.putSync(i); }
  else for (let i = 0; i < n; i++) q.putSync(chunk);
}

/** Gets `n` items, then counts itself done in `done[0]`. */
export function consume(q: Queue<unknown>, n: number, gate: Int32Array, done: Int32Array) {
  waitGate(gate);
  for (let i = 0; i < n; i++) q.getSync();
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
}

/** Ping side of a worker-to-worker round trip: writes µs per round trip to `out[0]`. */
export function ping(conn: Connection<number>, n: number, warm: number, out: Float64Array) {
  for (let i = 0; i < warm; i++) {
    conn.send(i);
    conn.recvSync();
  }
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    conn.send(i);
    conn.recvSync();
  }
  out[0] = ((performance.now() - t0) * 1000) / n;
}

/** Pong side: answers `n` messages with the Sync forms. */
export function pong(conn: Connection<number>, n: number) {
  for (let i = 0; i < n; i++) conn.send(conn.recvSync());
}

/** Pong side with the async forms. */
export async function pongAsync(conn: Connection<number>, n: number) {
  for (let i = 0; i < n; i++) conn.send(await conn.recv());
}
