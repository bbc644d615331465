/**
 * Runs every `Process` example of examples/ (the tutorials' programs ported
 * one to one) under the runtime running the tests, and checks its exit code
 * and its output: line by line where the order is certain, and otherwise
 * every line with what orders hold whatever the timing.
 *
 * Some of the examples print, on a machine that is not starved, the order
 * Python's tutorial shows only because of timing: the main program prints
 * right after `start()` while the child is still booting, or one child
 * sleeps less than another. A loaded machine upsets those orders, in Python
 * as here, so they are not asserted: what is asserted for them is what the
 * library guarantees (every line once, each process's own lines in its
 * order, what the main program prints after a `join()` after everything
 * the joined child printed, and the exit code).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { type RunResult, runScript } from "./_run.ts";

type Check = (lines: string[]) => void;

/** Examples whose whole output is certain, line by line. */
const EXACT: Record<string, string[]> = {
  "000_sequential.ts": ["Start function 1", "End function 1", "Start function 2", "End function 2"],
  "000_start_only.ts": ["Start function 1", "End function 1"],
  "000_join.ts": ["Start function 1", "End function 1", "완료"],
  "000_one_arg.ts": ["테스트입니다"],
  "000_two_args.ts": ["테스트입니다", "테스트입니다2"],
  "000_kwargs.ts": ["테스트입니다", "테스트입니다2"],
  "000_subclass.ts": ["테스트입니다", "테스트입니다2"],
  "001_isolation.ts": ["72", "72", "72"],
  "002_function_target.ts": ["sub processor 실행"],
  "002_instance_method_target.ts": ["cur processor : Sub Processor ", "value : work class"],
  "002_args.ts": ["Sub Process hello", "Main Process"],
  "002_daemon_join.ts": ["cur processor : Sub Processor ", "value : work class"],
  "002_method_state.ts": ["__init__ MainProcess", "run bob", "run SubProcess", "null"],
  "002_class_as_target.ts": ["__init__ SubProcess", "run bob", "run SubProcess"],
  "003_one_process.ts": ["3 작업 시작", "3 작업 끝"],
};

/** Examples whose output is not ordered, or not fully: checked by hand. */
const OTHER: Record<string, Check> = {
  "001_pids.ts": (lines) => {
    assert.equal(lines.length, 3, lines.join("\n"));
    const main = /^producer's pid : (\d+)$/.exec(lines[0]);
    assert.ok(main, lines[0]);
    // The two children run in parallel: either may print first, as in Python.
    const children = lines.slice(1).map((line) => /^(\w+)'s pid : (\d+)$/.exec(line));
    assert.ok(children.every((m) => m !== null), lines.join("\n"));
    assert.deepEqual(children.map((m) => m![1]).sort(), ["chiha", "haru"]);
    const pids = [main[1], ...children.map((m) => m![2])].map(Number);
    assert.equal(new Set(pids).size, 3, `pids are not distinct: ${pids}`);
  },
  "002_current_process.ts": (lines) => {
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0], /^MainProcess \d+$/);
  },
};

const RUNNING = "sub process is running";
const FOUR = [1, 2, 3, 4];
const METHOD_STATE_JOIN_MAIN = [
  "__init__ MainProcess",
  "before join",
  "SubProcess:  true",
  "null",
  "---------------------------",
  "---------------------------",
  "after join",
  "SubProcess:  false",
  "null",
];

/**
 * Checks that `lines` is the output of processes that ran side by side,
 * each printing one of `sequences` (their lines all different): every line
 * is one of theirs, and each sequence is there whole and in its order.
 */
function interleaving(lines: string[], ...sequences: string[][]): void {
  const all = lines.join("\n");
  for (const line of lines) {
    assert.ok(sequences.some((s) => s.includes(line)), `unexpected line "${line}":\n${all}`);
  }
  for (const s of sequences) assert.deepEqual(lines.filter((line) => s.includes(line)), s, all);
}

/**
 * Examples with children running beside the main program or each other:
 * the order between processes changes from run to run (as in Python), so
 * only what holds whatever the timing is checked.
 */
const INTERLEAVED: Record<string, Check> = {
  "000_two_processes.ts": (lines) => {
    interleaving(
      lines,
      ["Start function 1", "End function 1"],
      ["Start function 2", "End function 2"],
      ["Both functions have completed"],
    );
    assert.equal(lines.at(-1), "Both functions have completed");
  },
  // Python's "완료" first (the child is still booting) is only timing.
  "000_no_join.ts": (lines) =>
    interleaving(lines, ["완료"], ["Start function 1", "End function 1"]),
  "002_method_state_join.ts": (lines) => {
    interleaving(lines, METHOD_STATE_JOIN_MAIN, ["run bob", "run SubProcess"]);
    // What the main program prints after join() comes after all the child printed.
    assert.deepEqual(lines.slice(-4), METHOD_STATE_JOIN_MAIN.slice(-4));
  },
  "002_status_kill.ts": (lines) => {
    // The child prints one line every 100 ms until it is killed: how many
    // times depends on how fast it starts (none at all on a starved machine).
    const main = lines.filter((line) => line !== RUNNING);
    // Alive right after kill(), as in Python, not after join().
    assert.deepEqual(main, ["Status:  false", "Status:  true", "Status:  true", "Status:  false"]);
    assert.equal(lines[0], "Status:  false", lines.join("\n"));
    assert.equal(lines.at(-1), "Status:  false", lines.join("\n"));
  },
  "003_four_processes.ts": (lines) => {
    interleaving(lines, ...FOUR.map((n) => [`${n} 작업 시작`, `${n} 작업 끝`]), ["모든 작업 완료"]);
    assert.equal(lines.at(-1), "모든 작업 완료");
  },
};

// The examples run a few at a time: the machines this runs on may have two
// cores, and running everything at once would only queue the workers'
// start-up.
const CONCURRENCY = 3;
let active = 0;
const waiting: (() => void)[] = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  while (active >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  active++;
  try {
    return await fn();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

const runs = new Map<string, Promise<RunResult>>();
for (const name of [...Object.keys(EXACT), ...Object.keys(OTHER), ...Object.keys(INTERLEAVED)]) {
  runs.set(name, limited(() => runScript(`../examples/${name}`)));
}

/** The output lines of a run, after checking it ended with code 0. */
function linesOf(name: string, { code, stdout, stderr }: RunResult): string[] {
  assert.equal(code, 0, `${name} exited with ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  const lines = stdout.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

for (const [name, expected] of Object.entries(EXACT)) {
  test(`examples/${name}`, async () => {
    assert.deepEqual(linesOf(name, await runs.get(name)!), expected);
  });
}

for (const [name, check] of Object.entries({ ...OTHER, ...INTERLEAVED })) {
  test(`examples/${name}`, async () => {
    check(linesOf(name, await runs.get(name)!));
  });
}
