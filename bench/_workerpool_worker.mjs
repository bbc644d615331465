// workerpool's worker for bench/pool_bench.ts: the same work as _peer_worker.mjs.
import workerpool from "workerpool";
import * as work from "./_peer_worker.mjs";

workerpool.worker({ ...work });
