// The bare worker for bench/process_bench.ts's library row: it imports the
// library (the sources, or the npm build under BENCH_LIB=dist) and ends.
import process from "node:process";

await import(process.env.BENCH_LIB === "dist" ? "../dist/mod.js" : "../mod.ts");
process.exit(0);
