// The bare postMessage worker for bench/queue_bench.ts: posts `n` values to
// its parent (numbers or 1 KiB Uint8Arrays), or echoes every message back.
import { parentPort, workerData } from "node:worker_threads";

const { mode, n } = workerData as { mode: "small" | "bytes1k" | "echo"; n: number };
if (mode === "echo") {
  parentPort!.on("message", (m) => {
    parentPort!.postMessage(m);
  });
} else {
  const chunk = new Uint8Array(1024).fill(7);
  parentPort!.once("message", () => {
    for (let i = 0; i < n; i++) parentPort!.postMessage(mode === "small" ? i : chunk);
  });
}
