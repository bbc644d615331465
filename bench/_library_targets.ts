/**
 * A target for bench/process_bench.ts in a module that imports the library,
 * as a program's own module does: the sources, or the npm build under
 * BENCH_LIB=dist.
 */

import process from "node:process";

await import(process.env.BENCH_LIB === "dist" ? "../dist/mod.js" : "../mod.ts");

export function noopBeside(): void {}
