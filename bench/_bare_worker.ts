// The bare worker for bench/process_bench.ts: it ends as soon as it starts.
import process from "node:process";

process.exit(0);
