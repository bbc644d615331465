"""Python's side of bench/lock_bench.ts, as JSON lines: mp.Lock uncontended
acquire()/release() pairs per second, and three processes adding to an
mp.Value under its get_lock() (Python's idiom), timed from an Event-gated
start to the last increment, so process start-up is not counted.

    python3 bench/python/lock.py
"""
import json
import multiprocessing as mp
import time

WORKERS = 3
PER_WORKER = 200_000
PAIRS = 2_000_000
RUNS = 3


def emit(bench, unit, value):
    print(json.dumps({"bench": bench, "runtime": "python", "unit": unit, "value": round(value)}))


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


def add(value, ready, go, n):
    lock = value.get_lock()
    ready.release()
    go.wait()
    for _ in range(n):
        with lock:
            value.value += 1


def counter(ctx):
    value = ctx.Value("i", 0)
    ready = ctx.Semaphore(0)
    go = ctx.Event()
    ps = [ctx.Process(target=add, args=(value, ready, go, PER_WORKER)) for _ in range(WORKERS)]
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
    emit("lock.uncontended", "pairs/s", max(pairs_per_second(ctx.Lock()) for _ in range(RUNS)))
    emit("value.counter.3w", "incr/s", max(counter(ctx) for _ in range(RUNS)))
    # The same counter's figure under our bench's other name, for the ratio.
    emit("lock.counter.3w", "incr/s", max(counter(ctx) for _ in range(RUNS)))
