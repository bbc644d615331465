/**
 * Runs every `Process` example of examples/ (the tutorials' programs ported
 * one to one) under the runtime running the tests, and checks its exit code
 * and its output: line by line where the order is certain, as sets where
 * the children run in parallel (as in Python).
 *
 * Some orders are Python's only because of timing: the main program prints
 * right after `start()` while the child is still booting, or one child
 * sleeps less than another. We keep them (the examples print them that way
 * on any machine that is not starved), but a loaded machine can upset them,
 * in Python as here. For those examples every run must pass the checks that
 * hold whatever the timing, and one of up to three runs must show Python's
 * order.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { type RunResult, runScript } from "./_run.ts";

type Check = (lines: string[]) => void;

interface Timed {
  /** What holds whatever the timing. */
  always: Check;
  /** Python's order, which only timing gives. */
  usually: Check;
}

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

const sorted = (lines: string[]) => [...lines].sort();
const before = (lines: string[], a: string, b: string) =>
  assert.ok(
    lines.includes(a) && lines.indexOf(a) < lines.indexOf(b),
    `"${a}" is not before "${b}":\n${lines.join("\n")}`,
  );

const TWO_PROCESSES = [
  "Start function 1",
  "Start function 2",
  "End function 1",
  "End function 2",
  "Both functions have completed",
];
const NO_JOIN = ["완료", "Start function 1", "End function 1"];
const METHOD_STATE_JOIN = [
  "__init__ MainProcess",
  "before join",
  "SubProcess:  true",
  "null",
  "---------------------------",
  "run bob",
  "run SubProcess",
  "---------------------------",
  "after join",
  "SubProcess:  false",
  "null",
];
const RUNNING = "sub process is running";
const FOUR = [1, 2, 3, 4];

/** Examples whose order is Python's only by timing. */
const TIMED: Record<string, Timed> = {
  "000_two_processes.ts": {
    always: (lines) => {
      assert.deepEqual(sorted(lines), sorted(TWO_PROCESSES));
      before(lines, "Start function 1", "End function 1");
      before(lines, "Start function 2", "End function 2");
      assert.equal(lines[4], "Both functions have completed");
    },
    // Which child prints its start first is a race (in Python too); the
    // ends are 200 ms apart, after both starts.
    usually: (lines) => assert.deepEqual(lines.slice(2), TWO_PROCESSES.slice(2)),
  },
  "000_no_join.ts": {
    always: (lines) => {
      assert.deepEqual(sorted(lines), sorted(NO_JOIN));
      before(lines, "Start function 1", "End function 1");
    },
    // "완료" first because the worker is still booting when it prints.
    usually: (lines) => assert.deepEqual(lines, NO_JOIN),
  },
  "002_method_state_join.ts": {
    always: (lines) => {
      assert.deepEqual(sorted(lines), sorted(METHOD_STATE_JOIN));
      assert.equal(lines[0], "__init__ MainProcess");
      assert.deepEqual(lines.slice(-3), METHOD_STATE_JOIN.slice(-3));
      before(lines, "run bob", "run SubProcess");
    },
    usually: (lines) => assert.deepEqual(lines, METHOD_STATE_JOIN),
  },
  "002_status_kill.ts": {
    always: (lines) => {
      assert.equal(lines[0], "Status:  false");
      // As in Python: still alive right after kill(), not after join().
      assert.deepEqual(lines.slice(-2), ["Status:  true", "Status:  false"]);
      const middle = lines.slice(1, -2);
      assert.deepEqual(middle.filter((l) => l !== RUNNING), ["Status:  true"], lines.join("\n"));
      assert.ok(middle.length <= 7, lines.join("\n"));
    },
    // How many times the loop prints in 500 ms depends on how fast the
    // worker starts: about five, at least one.
    usually: (lines) => {
      assert.deepEqual(lines.slice(0, 3), ["Status:  false", "Status:  true", RUNNING]);
    },
  },
  "003_four_processes.ts": {
    always: (lines) => {
      assert.equal(lines.length, 9, lines.join("\n"));
      assert.equal(lines[8], "모든 작업 완료");
      // The four run in parallel: their order changes from run to run.
      const all = FOUR.flatMap((n) => [`${n} 작업 시작`, `${n} 작업 끝`]);
      assert.deepEqual(sorted(lines.slice(0, 8)), sorted(all));
      for (const n of FOUR) before(lines, `${n} 작업 시작`, `${n} 작업 끝`);
    },
    // All four start before the first ends (each sleeps 500 ms).
    usually: (lines) => {
      assert.deepEqual(sorted(lines.slice(0, 4)), FOUR.map((n) => `${n} 작업 시작`));
    },
  },
};

// The timed examples run first, one at a time; the others then run a few at
// a time. The machines this runs on may have two cores: running everything
// at once would starve the workers' start-up.
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

const runs = new Map<string, PromiseWithResolvers<RunResult>>();

/** Runs every example once: the timed ones one by one, then the rest. */
async function runAll(timed: string[], rest: string[]): Promise<void> {
  for (const name of [...timed, ...rest]) runs.set(name, Promise.withResolvers());
  const runOne = async (name: string) => {
    runs.get(name)!.resolve(await runScript(`../examples/${name}`));
  };
  for (const name of timed) await runOne(name);
  await Promise.all(rest.map((name) => limited(() => runOne(name))));
}

void runAll(Object.keys(TIMED), [...Object.keys(EXACT), ...Object.keys(OTHER)]);

/** The output lines of a run, after checking it ended with code 0. */
function linesOf(name: string, { code, stdout, stderr }: RunResult): string[] {
  assert.equal(code, 0, `${name} exited with ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  const lines = stdout.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

for (const [name, expected] of Object.entries(EXACT)) {
  test(`examples/${name}`, async () => {
    assert.deepEqual(linesOf(name, await runs.get(name)!.promise), expected);
  });
}

for (const [name, check] of Object.entries(OTHER)) {
  test(`examples/${name}`, async () => {
    check(linesOf(name, await runs.get(name)!.promise));
  });
}

for (const [name, { always, usually }] of Object.entries(TIMED)) {
  test(`examples/${name}`, async () => {
    let result = await runs.get(name)!.promise;
    for (let attempt = 1;; attempt++) {
      const lines = linesOf(name, result);
      always(lines);
      try {
        usually(lines);
        return;
      } catch (error) {
        if (attempt === 3) throw error;
      }
      result = await runScript(`../examples/${name}`);
    }
  });
}
