/**
 * Prints benchmark results (JSON lines from the bench files) side by side:
 * one row per benchmark, one column per runtime, then the ratios the issues
 * ask for: each runtime against Python on the same benchmark, and against
 * the baseline a result names with `vs` (bare workers, bare futex mutex,
 * bare postMessage, peers), measured on the same runtime in the same run.
 *
 *   node bench/report.ts results.jsonl
 */

import { readFileSync } from "node:fs";
import process from "node:process";

interface Result {
  bench: string;
  runtime: string;
  unit: string;
  value: number;
  /** A baseline bench name, on the same runtime, to print a ratio against. */
  vs?: string;
}

const lines = readFileSync(process.argv[2], "utf8").split("\n").filter((l) => l.startsWith("{"));
const results: Result[] = lines.map((l) => JSON.parse(l));
const lowerIsBetter = (unit: string): boolean => /^(ms|µs|us|ns|s)\b/.test(unit);
const runtimes = ["deno", "bun", "node"];
const find = (bench: string, runtime: string) =>
  results.find((r) => r.bench === bench && r.runtime === runtime);
// "how many times better": above 1 means the first is better.
const ratio = (a: Result, b: Result) =>
  lowerIsBetter(a.unit) ? b.value / a.value : a.value / b.value;
const fmt = (v: number) =>
  v >= 1e6
    ? `${(v / 1e6).toFixed(2)}M`
    : v >= 1e4
    ? `${(v / 1e3).toFixed(1)}k`
    : v >= 100
    ? v.toFixed(0)
    : v.toFixed(2);

const benches = [...new Set(results.map((r) => r.bench))];
const others = [...new Set(results.map((r) => r.runtime))].filter((r) => !runtimes.includes(r));
console.log(
  ["bench", "unit", ...runtimes, ...others].map((s, i) => i === 0 ? s.padEnd(34) : s.padStart(14))
    .join(""),
);
for (const bench of benches) {
  const row = [...runtimes, ...others].map((rt) => {
    const r = find(bench, rt);
    return (r ? fmt(r.value) : "-").padStart(14);
  });
  const unit = results.find((r) => r.bench === bench)!.unit;
  console.log(bench.padEnd(34) + unit.padStart(14) + row.join(""));
}
console.log("\nratios (x better; >1 means ours wins):");
for (const bench of benches) {
  for (const rt of runtimes) {
    const r = find(bench, rt);
    if (!r) continue;
    const parts: string[] = [];
    const py = find(bench, "python");
    if (py) parts.push(`vs python ${ratio(r, py).toFixed(2)}x`);
    if (r.vs) {
      const base = find(r.vs, rt) ??
        results.find((x) => x.bench === r.vs && x.runtime.endsWith(`@${rt}`));
      if (base) parts.push(`vs ${r.vs} ${ratio(r, base).toFixed(2)}x`);
    }
    if (parts.length) console.log(`  ${bench} [${rt}]: ${parts.join(", ")}`);
  }
}
