/**
 * Test helper (not a test file): runs a script under the runtime running
 * the tests, with a time bound, and returns its exit code and output.
 */

import { execFile } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Process } from "../process.ts";

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runScript(relative: string, timeout = 30_000): Promise<RunResult> {
  const script = fileURLToPath(new URL(relative, import.meta.url).href);
  const args = "Deno" in globalThis ? ["run", "-A", script] : [script];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `body` with a flag for the busy-loop children it starts (they loop
 * until its word 0 is set), and sets the flag after: Deno cannot stop a
 * thread in a busy loop, which would otherwise keep a core busy for the
 * rest of the test run.
 */
export async function withBusy(body: (release: Int32Array) => Promise<void>): Promise<void> {
  const release = new Int32Array(new SharedArrayBuffer(4));
  try {
    await body(release);
  } finally {
    Atomics.store(release, 0, 1);
  }
}

/**
 * Starts every process, joins each within 30 s (killing one that is still
 * alive then, so no test waits forever) and returns their exit codes.
 */
export async function runAll(ps: Process[]): Promise<number[]> {
  for (const p of ps) p.start();
  for (const p of ps) {
    await p.join({ timeout: 30_000 });
    if (p.isAlive()) p.kill();
  }
  return ps.map((p) => p.exitcode ?? NaN);
}
