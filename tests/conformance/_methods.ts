/**
 * Conformance helper (not a test file): runs a ported CPython test class
 * under each start method, as CPython's suite runs each class under each of
 * its start methods. Every test runs with its method set and restores the
 * default after.
 */

import { describe, test } from "node:test";
import { setStartMethod, type StartMethod } from "../../process.ts";

/** The start methods every class runs under ("fork" cannot exist in JS). */
export const METHODS: StartMethod[] = ["spawn", "forkserver"];

/** Bounds every wait of the suite: a hang fails the test instead. */
export const BOUND = { timeout: 20_000 };

/** A test of a class: its body, or a reason it is skipped. */
export type Case = ((method: StartMethod) => unknown) | { skip: string };

/**
 * Declares CPython's test class `name` once per start method, with its
 * cases under CPython's test names.
 */
export function testClass(name: string, cases: Record<string, Case>): void {
  for (const method of METHODS) {
    describe(`${name} [${method}]`, () => {
      for (const [testName, body] of Object.entries(cases)) {
        if (typeof body !== "function") {
          test(testName, { skip: body.skip }, () => {});
          continue;
        }
        test(testName, async () => {
          setStartMethod(method, { force: true });
          try {
            await body(method);
          } finally {
            // Also ends forkserver's waiting worker, which Deno's sanitizers would count.
            setStartMethod("spawn", { force: true });
          }
        });
      }
    });
  }
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
