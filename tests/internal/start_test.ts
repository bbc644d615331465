import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Process, setStartMethod } from "../../process.ts";
import { warmWorkerAhead } from "../../internal/process/start.ts";
import { busyLoop, sleep } from "../fixtures/process_targets.ts";

const BOUND = { timeout: 20_000 };

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !ok(); i++) await sleep(10);
  assert.ok(ok(), `${what}, still not after 4 s`);
}

describe("forkserver's warm worker", () => {
  test("the next one is made after a start, and none once the program has left forkserver", async () => {
    setStartMethod("forkserver", { force: true });
    try {
      const release = new Int32Array(new SharedArrayBuffer(4));
      const first = new Process({ target: busyLoop, args: [release] });
      first.start();
      // Made at once (Node) or after the process has run a while (Deno, Bun).
      await until("a warm worker is ahead while the first process runs", warmWorkerAhead);
      Atomics.store(release, 0, 1);
      await first.join(BOUND);
      assert.equal(first.exitcode, 0);

      const second = new Process({ target: busyLoop, args: [release] });
      Atomics.store(release, 0, 0);
      second.start();
      setStartMethod("spawn", { force: true });
      assert.equal(warmWorkerAhead(), false, "leaving forkserver left a warm worker ahead");
      Atomics.store(release, 0, 1);
      await second.join(BOUND);
      assert.equal(second.exitcode, 0);
      // Its end, or its running a while, would have made the next one.
      await sleep(150);
      assert.equal(warmWorkerAhead(), false, "a warm worker was made after leaving forkserver");
    } finally {
      setStartMethod("spawn", { force: true });
    }
  });
});
