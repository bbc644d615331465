/**
 * How the library's objects print: `console.log(lock)` and `util.inspect`
 * show an object's `toString()` (`<Lock(owner=Process-1)>`,
 * `SharedArray('i', [1, 2, 3])`) instead of an empty `Lock {}`, whose state
 * lives in shared memory where the runtimes' inspectors cannot see it.
 *
 * @module
 */

// Node, Bun and Deno all honour this registered symbol.
const CUSTOM_INSPECT = Symbol.for("nodejs.util.inspect.custom");

function inspect(this: object): string {
  return this.toString();
}

/** Makes instances of each class print as their `toString()`. */
export function printAsString(...classes: Array<{ prototype: object }>): void {
  for (const cls of classes) {
    Object.defineProperty(cls.prototype, CUSTOM_INSPECT, {
      value: inspect,
      configurable: true,
      writable: true,
    });
  }
}

/** A value as it reads inside a container's `toString()`: strings quoted. */
export function repr(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(repr).join(", ")}]`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (value !== null && typeof value === "object" && value.toString === Object.prototype.toString) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}
