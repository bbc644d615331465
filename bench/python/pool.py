"""Python's Pool(2).map of a tiny function over 100,000 items, default
chunksize and chunksize=1 (pool start excluded), and the speed-up of a
CPU-bound function on 2 workers over one process, as bench/pool_bench.ts
measures ours. Prints JSON lines for bench/report.ts.

    python3 bench/python/pool.py
"""

import json
import os
import sys
import time

# This directory holds queue.py, which would shadow the standard library's
# queue module that multiprocessing imports.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != _here]

from multiprocessing import Pool  # noqa: E402

N = 100_000
N1 = 20_000  # chunksize 1: fewer items, as bench/pool_bench.ts
ROUNDS = 5
CPU_TASKS = 16


def square(x):
    return x * x


def cpu(n):
    s = 0
    for i in range(600_000):
        s = (s + ((i * n) ^ (i >> 3))) % 1_000_003
    return s


def emit(bench, unit, samples):
    """The median of `samples`, with their min and max (as bench/_stats.ts)."""
    s = sorted(samples)
    mid = len(s) // 2
    median = s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
    r = (lambda v: round(v, 2)) if unit == "x" or median < 100 else round
    print(json.dumps({"bench": bench, "runtime": "python", "unit": unit, "value": r(median),
                      "min": r(s[0]), "max": r(s[-1]), "rounds": len(s)}, ensure_ascii=False), flush=True)


def times(fn):
    out = []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


if __name__ == "__main__":
    items = list(range(N))
    t0 = time.perf_counter()
    for i in range(CPU_TASKS):
        cpu(i)
    t1 = time.perf_counter() - t0
    with Pool(2) as pool:
        pool.map(square, [1, 2, 3, 4])
        emit("pool.map.default", "items/s", [N / t for t in times(lambda: pool.map(square, items))])
        emit("pool.map.chunk1", "items/s", [N1 / t for t in times(lambda: pool.map(square, items[:N1], 1))])
        emit("pool.cpu.speedup", "x", [t1 / t for t in times(lambda: pool.map(cpu, range(CPU_TASKS), 1))])
