"""Python's Process start+join of a no-op target, spawn and fork, as JSON lines.

The spawn figure goes beside ours with the target in a module that imports
the library: a spawned child imports multiprocessing and the main module
again, as our child imports the library with the target's module."""
import json
import multiprocessing as mp
import statistics
import time


def noop():
    pass


def times_ms(ctx, rounds):
    for _ in range(3):
        p = ctx.Process(target=noop)
        p.start()
        p.join()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        times.append((time.perf_counter() - t0) * 1000)
    return times


if __name__ == "__main__":
    for method, rounds in (("spawn", 30), ("fork", 100)):
        times = times_ms(mp.get_context(method), rounds)
        bench = ("process.start_join.noop.library" if method == "spawn"
                 else "process.start_join.noop.fork")
        print(json.dumps({"bench": bench, "runtime": "python", "unit": "ms",
                          "value": round(statistics.median(times), 2), "min": round(min(times), 2),
                          "max": round(max(times), 2), "rounds": len(times)}))
