"""Python's side of bench/manager_bench.ts, as JSON lines: single-key get
and set on a Manager().dict() from a child process, in calls per second
(the child times its own loop), fork, Linux's default through 3.13.

    python3 bench/python/manager.py
"""
import json
import os
import sys
import time

# This folder's queue.py would shadow the standard library's queue, which
# multiprocessing.managers imports.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
import multiprocessing as mp  # noqa: E402

CALLS = 20_000
RUNS = 5


def emit(bench, unit, samples):
    """The median of `samples`, with their min and max (as bench/_stats.ts)."""
    s = sorted(samples)
    mid = len(s) // 2
    median = s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
    r = (lambda v: round(v, 2)) if unit == "x" or median < 100 else round
    print(json.dumps({"bench": bench, "runtime": "python", "unit": unit, "value": r(median),
                      "min": r(s[0]), "max": r(s[-1]), "rounds": len(s)}, ensure_ascii=False), flush=True)


def child(d, out):
    for i in range(1000):
        d["k"] = i
        d["k"]
    t0 = time.perf_counter()
    for i in range(CALLS):
        d["k"] = i
    t1 = time.perf_counter()
    for i in range(CALLS):
        d["k"]
    t2 = time.perf_counter()
    out.put((CALLS / (t1 - t0), CALLS / (t2 - t1)))


if __name__ == "__main__":
    sets, gets = [], []
    with mp.Manager() as manager:
        d = manager.dict()
        out = mp.Queue()
        for _ in range(RUNS):
            p = mp.Process(target=child, args=(d, out))
            p.start()
            s, g = out.get()
            p.join()
            sets.append(s)
            gets.append(g)
    emit("manager.dict.set.child", "calls/s", sets)
    emit("manager.dict.get.child", "calls/s", gets)
