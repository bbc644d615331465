import { test } from "node:test";
import assert from "node:assert/strict";
import { describeReport, soak } from "./soak.ts";

// The short soak: a few of everything `npm run soak` does by the thousand.
// Memory left after it must stay under the same bound as the full soak.
// Minutes, not seconds, on a loaded machine: it starts about 80 processes.
test("sustained work leaves the main program's memory flat (short soak)", {
  timeout: 600_000,
}, async () => {
  const report = await soak({
    cycles: 60,
    small: 20_000,
    perKind: 300,
    tasks: 1_000,
    maxtasksperchild: 100,
    handoffs: 1_000,
    settleMs: 1_000,
    baseBytes: 40 << 20,
  });
  assert.ok(report.ok, describeReport(report));
});
