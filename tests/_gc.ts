/**
 * Test helper (not a test file): a full garbage collection in any of the
 * three runtimes, to check that the library keeps nothing it no longer needs.
 */

import v8 from "node:v8";
import vm from "node:vm";

let gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;
const bun = (globalThis as Record<string, unknown>)["Bun"] as
  | { gc(force: boolean): void }
  | undefined;
if (!gc && bun) gc = () => bun.gc(true);
if (!gc) {
  v8.setFlagsFromString("--expose-gc");
  gc = vm.runInNewContext("gc") as () => void;
}

/**
 * Whether every target of `refs` is collected after a macrotask (a WeakRef
 * keeps its target alive until the end of the current job) and a full GC,
 * trying up to 50 times (what still holds a target a moment, such as a
 * message being handled, may take a few turns on a loaded machine).
 */
export async function collected(refs: WeakRef<object>[]): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Bun's collector scans the machine stack conservatively: overwrite
    // stale slots that may still hold a pointer to what should be garbage.
    scrub(200);
    gc!();
    if (refs.every((r) => r.deref() === undefined)) return true;
  }
  return false;
}

function scrub(depth: number): number {
  const frame = [depth, depth, depth, depth, depth, depth, depth, depth];
  return depth > 0 ? scrub(depth - 1) + frame.length : frame.length;
}
