import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  BrokenPoolError,
  ClusterExecutor,
  ClusterPool,
  TimeoutError,
  WorkerLostError,
} from "../cluster.ts";
import { asCompleted, FIRST_COMPLETED, wait } from "../futures.ts";
import { ProcessError } from "../internal/errors.ts";
import {
  type Child,
  NATS_SERVER,
  type NatsServer,
  startNats,
  startWorker,
  waitFor,
} from "./_cluster.ts";
import {
  add,
  byteLength,
  fail,
  failCustom,
  killWorker,
  markAndSleep,
  runtimeName,
  sleep,
  square,
  zeros,
} from "./fixtures/cluster_targets.ts";

// Starting a server and workers under three runtimes on a busy 2-core
// machine can take a while: every wait inside is bounded on its own.
const SLOW = { timeout: 180_000 };

// One server and three workers (Deno, Bun, Node) for the whole file, started
// by the first test that needs them and stopped by the last test.
let cluster: Promise<{ nats: NatsServer; workers: Child[] }> | undefined;

function shared(): Promise<{ nats: NatsServer; workers: Child[] }> {
  cluster ??= (async () => {
    const nats = await startNats();
    const workers = await Promise.all(
      (["deno", "bun", "node"] as const).map((rt) => startWorker(rt, nats.url)),
    );
    return { nats, workers };
  })();
  return cluster;
}

async function sharedPool(options: Record<string, unknown> = {}): Promise<ClusterPool> {
  const { nats } = await shared();
  return new ClusterPool({ servers: nats.url, processes: 3, ...options });
}

if (!NATS_SERVER) {
  test("ClusterPool on a real cluster", { skip: "nats-server is not on PATH" }, () => {});
} else {
  describe("ClusterPool on nats-server with Deno, Bun and Node workers", () => {
    test("nats-server and tsmp-workers under Deno, Bun and Node start", SLOW, async () => {
      const { workers } = await shared();
      assert.equal(workers.length, 3);
      for (const w of workers) assert.match(w.output(), /tsmp-worker: ready, 1 processes/);
    });

    test("map over 10,000 items returns every value in order", SLOW, async () => {
      await using pool = await sharedPool();
      const xs = Array.from({ length: 10_000 }, (_, i) => i);
      assert.deepEqual(await pool.map(square, xs), xs.map((x) => x * x));
      const some = xs.slice(0, 300);
      assert.deepEqual(await pool.map(square, some, 1), some.map((x) => x * x));
      const runtimes = await pool.map(runtimeName, [1, 2, 3], 1);
      for (const rt of runtimes) assert.ok(["deno", "bun", "node"].includes(rt));
    });

    test(
      "exported functions and self-contained lambdas run; starmap and imap too",
      SLOW,
      async () => {
        await using pool = await sharedPool();
        assert.equal(await pool.apply(add, [2, 3]), 5);
        assert.equal(await pool.apply(add, [] as unknown as [number, number], { a: 4, b: 5 }), 9);
        assert.deepEqual(await pool.map((x: number) => x * 10, [1, 2, 3]), [10, 20, 30]);
        assert.deepEqual(await pool.starmap(add, [[1, 2], [3, 4]]), [3, 7]);
        const ordered: number[] = [];
        for await (const v of pool.imap(square, [1, 2, 3, 4])) ordered.push(v);
        assert.deepEqual(ordered, [1, 4, 9, 16]);
        const unordered: number[] = [];
        for await (const v of pool.imapUnordered(square, [1, 2, 3, 4])) unordered.push(v);
        assert.deepEqual(unordered.sort((a, b) => a - b), [1, 4, 9, 16]);
        assert.deepEqual(await pool.mapAsync(square, [5, 6]).get({ timeout: 30_000 }), [25, 36]);
        const factor = 3;
        await assert.rejects(pool.apply((x: number) => x * factor, [2]), (error: Error) => {
          assert.ok(error instanceof ReferenceError);
          assert.match(error.message, /'factor'/);
          return true;
        });
      },
    );

    test(
      "an argument or result over the server's max_payload fails its task at once",
      SLOW,
      async () => {
        await using pool = await sharedPool();
        // nats-server's default max_payload is 1 MiB.
        const tooBig = (error: Error) => {
          assert.ok(error instanceof RangeError);
          assert.match(error.message, /bytes, over the NATS server's max_payload of \d+ bytes/);
          return true;
        };
        await assert.rejects(pool.apply(byteLength, [new Uint8Array(2_000_000)]), (e: Error) => {
          assert.match(e.message, /^A task's message is/);
          return tooBig(e);
        });
        await assert.rejects(pool.apply(zeros, [2_000_000]), (e: Error) => {
          assert.match(e.message, /^The task's result is/);
          return tooBig(e);
        });
        // Results that fit one by one but not together still arrive.
        const halves = await pool.map(zeros, [600_000, 600_000, 600_000], 1);
        assert.deepEqual(halves.map((b) => b.length), [600_000, 600_000, 600_000]);
        assert.equal(await pool.apply(byteLength, [new Uint8Array(500_000)]), 500_000);
      },
    );

    test("a task's error comes back with its class, message and remote stack", SLOW, async () => {
      await using pool = await sharedPool();
      await assert.rejects(pool.apply(fail, ["no such thing"]), (error: Error) => {
        assert.ok(error instanceof RangeError);
        assert.equal(error.message, "no such thing");
        assert.match(error.stack!, /cluster_targets\.ts/);
        return true;
      });
      await assert.rejects(pool.apply(failCustom), (error: Error) => {
        assert.ok(error instanceof ProcessError);
        assert.equal(error.name, "QuotaError");
        assert.equal(error.message, "over quota");
        return true;
      });
      // The first error rejects the whole map.
      await assert.rejects(pool.map(fail, ["a", "b"]), RangeError);
    });

    test(
      "structured data travels between runtimes; what cannot is refused naming its path",
      SLOW,
      async () => {
        await using pool = await sharedPool();
        const value = {
          map: new Map<unknown, unknown>([[1, "a"], ["k", [2n, new Date(5)]]]),
          set: new Set([1, 2]),
          bytes: new Float64Array([1.5, -0]),
          re: /x+/gi,
          error: new RangeError("inside"),
        };
        const back = await pool.apply((v: unknown) => v, [value]);
        assert.deepEqual(back, value);
        await assert.rejects(pool.apply(add, [1, { a: [() => 1] }] as never), (error: Error) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, /^args\[1\]\.a\[0\] is a function/);
          return true;
        });
        await assert.rejects(pool.map(square, [1, Symbol("s")] as never), /items\[1\] is a symbol/);
        // Refused where it is made (the worker's own pool), naming the class.
        await assert.rejects(
          pool.apply(() => new (class Point {})()),
          /Point instance, which would lose its methods/,
        );
      },
    );

    test("a worker that cannot find the function's module says so", SLOW, async () => {
      // The driver's root is tests/, so the module's path is one the workers
      // (rooted at the project) do not have.
      await using pool = await sharedPool({ root: path.join(process.cwd(), "tests") });
      await assert.rejects(pool.apply(square, [2]), (error: Error) => {
        assert.match(error.message, /cannot find the function square: no module fixtures\//);
        return true;
      });
    });

    test(
      "a task past its timeout fails with TimeoutError; a signal stops a task",
      SLOW,
      async () => {
        await using pool = await sharedPool();
        await assert.rejects(pool.apply(sleep, [20_000], {}, { timeout: 200 }), TimeoutError);
        const controller = new AbortController();
        const running = pool.apply(sleep, [20_000], {}, { signal: controller.signal });
        setTimeout(() => controller.abort(new Error("enough")), 200);
        await assert.rejects(running, /enough/);
        assert.equal(await pool.apply(square, [7]), 49);
      },
    );

    test("ClusterExecutor futures work with asCompleted and wait", SLOW, async () => {
      const { nats } = await shared();
      await using ex = new ClusterExecutor({ servers: nats.url });
      const fs1 = [1, 2, 3, 4].map((n) => ex.submit(square, n));
      const seen: number[] = [];
      for await (const f of asCompleted(fs1, { timeout: 60_000 })) seen.push(await f.result());
      assert.deepEqual(seen.sort((a, b) => a - b), [1, 4, 9, 16]);
      const slow = ex.submit(sleep, 300);
      const quick = ex.submit(fail, "x");
      const { done } = await wait([slow, quick], { returnWhen: FIRST_COMPLETED, timeout: 60_000 });
      assert.ok(done.size >= 1);
      assert.ok(quick.exception({ timeout: 60_000 }) instanceof Promise);
      assert.ok((await quick.exception({ timeout: 60_000 })) instanceof RangeError);
      const mapped: number[] = [];
      for await (const v of ex.map(add, [1, 2], [10, 20])) mapped.push(v as number);
      assert.deepEqual(mapped, [11, 22]);
    });

    test("terminate() cancels the tasks not started and settles every task", SLOW, async () => {
      const pool = await sharedPool();
      // A task that ran to its end would give 3000, not the termination.
      const tasks = Array.from({ length: 6 }, () => pool.apply(sleep, [3_000]).catch((e) => e));
      await pool.ready();
      await pool.terminate();
      for (const t of tasks) assert.match(String(await t), /terminated/);
      assert.throws(() => pool.apply(square, [1]), /not running/);
      // The workers serve the next pool: a task already running on one (with
      // no signal or timeout it is not stopped there) ends first, its result
      // dropped. (Its 3 s keep that wait short.)
      await using next = await sharedPool();
      assert.deepEqual(await next.map(square, [1, 2, 3], 1), [1, 4, 9]);
    });

    test("close() then join() waits for the queued work", SLOW, async () => {
      const pool = await sharedPool();
      const result = pool.map(square, [1, 2, 3]);
      pool.close();
      await pool.join();
      assert.deepEqual(await result, [1, 4, 9]);
    });

    test(
      "a worker started after the tasks were submitted runs them; one SIGKILLed mid-task loses nothing",
      SLOW,
      async () => {
        const { nats } = await shared();
        const prefix = "kill";
        const marks = fs.mkdtempSync(path.join(os.tmpdir(), "tsmp-marks-"));
        await using pool = new ClusterPool({ servers: nats.url, prefix, redeliverAfter: 2_000 });
        const n = 6;
        const result = Promise.all(
          Array.from({ length: n }, (_, i) => pool.apply(markAndSleep, [marks, i, 300])),
        );
        await pool.ready();
        const victim = await startWorker("node", nats.url, ["--prefix", prefix]);
        await waitFor("a task to start", () => fs.readdirSync(marks).length > 0);
        victim.child.kill("SIGKILL");
        assert.equal(await victim.exited, "SIGKILL");
        const rescuer = await startWorker("deno", nats.url, ["--prefix", prefix]);
        try {
          assert.deepEqual(await result, [0, 1, 2, 3, 4, 5]);
          const byTask = new Map<string, string[]>();
          for (const f of fs.readdirSync(marks)) {
            const [i, pid] = f.split(".");
            byTask.set(i, [...(byTask.get(i) ?? []), pid]);
          }
          // Every task ran on the rescuer; what the victim had started ran twice
          // and still settled once.
          assert.equal(byTask.size, n);
          for (const pids of byTask.values()) assert.ok(pids.includes(String(rescuer.pid)));
          assert.ok([...byTask.values()].some((pids) => pids.includes(String(victim.pid))));
        } finally {
          assert.equal(await rescuer.stop("SIGTERM"), 0);
          fs.rmSync(marks, { recursive: true, force: true });
        }
      },
    );

    test(
      "a task whose workers keep dying fails with WorkerLostError after maxDeliveries",
      SLOW,
      async () => {
        const { nats } = await shared();
        const prefix = "lost";
        await using pool = new ClusterPool({
          servers: nats.url,
          prefix,
          maxDeliveries: 1,
          redeliverAfter: 2_000,
        });
        const victim = await startWorker("bun", nats.url, ["--prefix", prefix]);
        const doomed = pool.apply(killWorker).then(() => null, (error: Error) => error);
        await victim.exited;
        const next = await startWorker("node", nats.url, ["--prefix", prefix]);
        try {
          const error = await doomed;
          assert.ok(error instanceof WorkerLostError);
          assert.match(error.message, /delivered to 1 workers/);
          assert.equal(await pool.apply(runtimeName), "node");
        } finally {
          assert.equal(await next.stop("SIGTERM"), 0);
        }
      },
    );

    test("a driver and workers that lose the server keep their tasks", SLOW, async () => {
      const { nats } = await shared();
      await using pool = await sharedPool();
      const xs = Array.from({ length: 40 }, (_, i) => i);
      const result = pool.map(sleep, xs.map(() => 20), 1);
      await pool.ready();
      await nats.restart();
      assert.deepEqual(await result, xs.map(() => 20));
    });

    test("stopping: workers exit 0 on SIGTERM, then the server stops", SLOW, async () => {
      const { nats, workers } = await shared();
      const codes = await Promise.all(workers.map((w) => w.stop("SIGTERM")));
      await nats.stop();
      assert.deepEqual(codes, [0, 0, 0], workers.map((w) => w.output()).join("\n"));
      for (const w of workers) assert.match(w.output(), /tsmp-worker: stopped/);
    });
  });
}

describe("ClusterPool without a server", () => {
  test("bad options are refused naming the option", () => {
    assert.throws(() => new ClusterPool({} as never), /'servers' must be/);
    assert.throws(
      () => new ClusterPool({ servers: "nats://127.0.0.1:1", colour: 1 } as never),
      (error: Error) => error instanceof TypeError && /'colour'/.test(error.message),
    );
    assert.throws(
      () => new ClusterPool({ servers: "nats://127.0.0.1:1", maxDeliveries: 0 }),
      RangeError,
    );
  });

  test("an unreachable server fails the tasks instead of waiting", async () => {
    const pool = new ClusterPool({ servers: "nats://127.0.0.1:1", connectTimeout: 2_000 });
    const task = pool.apply(square, [2]);
    await assert.rejects(pool.ready(), /Could not connect to the NATS server/);
    await assert.rejects(task, (error: Error) => {
      assert.ok(error instanceof BrokenPoolError);
      assert.match(error.message, /Could not connect/);
      return true;
    });
    await pool.terminate();
  });
});
