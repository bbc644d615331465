"""Python's side of bench/lock_bench.ts, as JSON lines: mp.Lock uncontended
acquire()/release() pairs per second, and three processes adding 1 to a
shared counter, under an mp.Lock (lock.counter.3w) and under an mp.Value's
get_lock() (value.counter.3w, Python's idiom), timed from an Event-gated
start to the last join, so process start-up is not counted. fork, Linux's
default through 3.13.

    python3 bench/python/lock.py
"""
import json
import multiprocessing as mp
import time

WORKERS = 3
PER_WORKER = 200_000
PAIRS = 2_000_000
RUNS = 5


def emit(bench, unit, samples):
    """The median of `samples`, with their min and max (as bench/_stats.ts)."""
    s = sorted(samples)
    mid = len(s) // 2
    median = s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
    r = (lambda v: round(v, 2)) if unit == "x" or median < 100 else round
    print(json.dumps({"bench": bench, "runtime": "python", "unit": unit, "value": r(median),
                      "min": r(s[0]), "max": r(s[-1]), "rounds": len(s)}, ensure_ascii=False), flush=True)


def pairs_per_second(lock):
    acquire, release = lock.acquire, lock.release
    for _ in range(100_000):
        acquire()
        release()
    t0 = time.perf_counter()
    for _ in range(PAIRS):
        acquire()
        release()
    return PAIRS / (time.perf_counter() - t0)


def add(value, lock, ready, go, n):
    ready.release()
    go.wait()
    for _ in range(n):
        with lock:
            value.value += 1


def counter(ctx, raw):
    """raw: a RawValue under an mp.Lock (as lock.counter.3w), else a Value under get_lock()."""
    if raw:
        value, lock = ctx.RawValue("i", 0), ctx.Lock()
    else:
        value = ctx.Value("i", 0)
        lock = value.get_lock()
    ready = ctx.Semaphore(0)
    go = ctx.Event()
    args = (value, lock, ready, go, PER_WORKER)
    ps = [ctx.Process(target=add, args=args) for _ in range(WORKERS)]
    for p in ps:
        p.start()
    for _ in ps:
        ready.acquire()
    t0 = time.perf_counter()
    go.set()
    for p in ps:
        p.join()
    seconds = time.perf_counter() - t0
    assert value.value == WORKERS * PER_WORKER, value.value
    return WORKERS * PER_WORKER / seconds


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    emit("lock.uncontended", "pairs/s", [pairs_per_second(ctx.Lock()) for _ in range(RUNS)])
    emit("lock.counter.3w", "incr/s", [counter(ctx, True) for _ in range(RUNS)])
    emit("value.counter.3w", "incr/s", [counter(ctx, False) for _ in range(RUNS)])
