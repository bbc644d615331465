/**
 * Prints benchmark results (JSON lines from the bench files) side by side:
 * one row per benchmark, one column per runtime, each figure the median of
 * its rounds with the min–max spread; the peers (piscina, tinypool,
 * workerpool) on rows of their own under ours. Then the ratios: each
 * runtime against Python on the same benchmark, against the baseline a
 * result names with `vs` (bare workers, bare futex mutex, bare postMessage),
 * and against the best peer, all measured on the same runtime in the same
 * run.
 *
 *   node bench/report.ts results.jsonl
 */

import { readFileSync } from "node:fs";
import process from "node:process";

interface Result {
  bench: string;
  /** "deno", "bun", "node", "python", or "<peer>@<runtime>". */
  runtime: string;
  unit: string;
  /** The median of the rounds. */
  value: number;
  min?: number;
  max?: number;
  rounds?: number;
  /** A baseline bench name, on the same runtime, to print a ratio against. */
  vs?: string;
}

const lines = readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.startsWith("{"));
const results: Result[] = lines.map((l) => JSON.parse(l));
const lowerIsBetter = (unit: string): boolean => /^(ms|µs|us|ns|s)\b/.test(unit);
const columns = ["deno", "bun", "node", "python"];
const find = (bench: string, runtime: string) =>
  results.find((r) => r.bench === bench && r.runtime === runtime);
// "how many times better": above 1 means the first is better.
const ratio = (a: Result, b: Result) =>
  lowerIsBetter(a.unit) ? b.value / a.value : a.value / b.value;
const num = (v: number) =>
  v >= 1e6
    ? `${(v / 1e6).toFixed(2)}M`
    : v >= 1e4
    ? `${(v / 1e3).toFixed(1)}k`
    : v >= 100
    ? v.toFixed(0)
    : v.toFixed(2);
const cell = (r: Result | undefined) => {
  if (!r) return "-";
  if (r.min === undefined || r.max === undefined || r.min === r.max) {
    return num(r.value);
  }
  return `${num(r.value)} (${num(r.min)}–${num(r.max)})`;
};
const peerName = (r: Result) => r.runtime.includes("@") ? r.runtime.split("@")[0] : undefined;

const benches = [...new Set(results.map((r) => r.bench))];
const peerNames = [
  ...new Set(results.map(peerName).filter((p) => p !== undefined)),
];
const W = 26;
console.log(
  "each figure: median (min–max) of its rounds\n\n" +
    ["bench", "unit", ...columns].map((s, i) =>
      i === 0 ? s.padEnd(36) : s.padStart(i === 1 ? 10 : W)
    )
      .join(""),
);
for (const bench of benches) {
  const unit = results.find((r) => r.bench === bench)!.unit;
  const row = columns.map((rt) => cell(find(bench, rt)).padStart(W));
  console.log(bench.padEnd(36) + unit.padStart(10) + row.join(""));
  for (const p of peerNames) {
    if (!results.some((r) => r.bench === bench && peerName(r) === p)) continue;
    const prow = columns.map((rt) => cell(find(bench, `${p}@${rt}`)).padStart(W));
    console.log(`  ${p}`.padEnd(36) + "".padStart(10) + prow.join(""));
  }
}

/** The best peer on `rt` for `bench` (or for the bench it compares itself with). */
function bestPeer(r: Result, rt: string): Result | undefined {
  for (const bench of [r.bench, r.vs]) {
    const theirs = results.filter((x) => x.bench === bench && x.runtime.endsWith(`@${rt}`));
    if (theirs.length > 0) {
      return theirs.reduce((a, b) => ratio(a, b) >= 1 ? a : b);
    }
  }
  return undefined;
}

console.log("\nratios (x better; >1 means ours wins):");
for (const bench of benches) {
  for (const rt of columns.slice(0, 3)) {
    const r = find(bench, rt);
    if (!r) continue;
    const parts: string[] = [];
    const py = find(bench, "python");
    if (py) parts.push(`vs python ${ratio(r, py).toFixed(2)}x`);
    if (r.vs) {
      const base = find(r.vs, rt);
      if (base) parts.push(`vs ${r.vs} ${ratio(r, base).toFixed(2)}x`);
    }
    const peer = bestPeer(r, rt);
    if (peer) {
      parts.push(
        `vs best peer (${peerName(peer)}) ${ratio(r, peer).toFixed(2)}x`,
      );
    }
    if (parts.length) console.log(`  ${bench} [${rt}]: ${parts.join(", ")}`);
  }
}
