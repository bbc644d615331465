"""Python's side of bench/queue_bench.ts, as JSON lines: mp.Queue items per
second (1 producer -> parent, 4 producers -> 3 consumers; small ints and
1 KiB bytes), timed from an Event-gated start (process start-up is not
counted), and the mp.Pipe round trip between two processes after a warm-up.

    python3 bench/python/queue.py
"""
import os
import sys

# This file is named queue.py, so its own folder (sys.path[0]) would shadow
# the standard library's queue module that multiprocessing imports.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]

import json  # noqa: E402
import multiprocessing as mp  # noqa: E402
import time  # noqa: E402

SMALL_N = 100_000
BYTES_N = 100_000
RT_N = 5_000


def emit(bench, unit, samples):
    """The median of `samples`, with their min and max (as bench/_stats.ts)."""
    s = sorted(samples)
    mid = len(s) // 2
    median = s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
    r = (lambda v: round(v, 2)) if unit == "x" or median < 100 else round
    print(json.dumps({"bench": bench, "runtime": "python", "unit": unit, "value": r(median),
                      "min": r(s[0]), "max": r(s[-1]), "rounds": len(s)}, ensure_ascii=False), flush=True)


def produce(q, n, kind, gate):
    chunk = bytes(1024)
    gate.wait()
    if kind == "small":
        for i in range(n):
            q.put(i)
    else:
        for _ in range(n):
            q.put(chunk)


def consume(q, n, gate, done):
    gate.wait()
    for _ in range(n):
        q.get()
    done.put(1)


def one_to_one(kind, n):
    q, gate = mp.Queue(), mp.Event()
    p = mp.Process(target=produce, args=(q, n, kind, gate))
    p.start()
    time.sleep(0.1)
    t0 = time.perf_counter()
    gate.set()
    for _ in range(n):
        q.get()
    rate = n / (time.perf_counter() - t0)
    p.join()
    return rate


def four_to_three(kind, n):
    q, gate, done = mp.Queue(), mp.Event(), mp.Queue()
    per = n // 12 * 3
    total = per * 4
    ps = [mp.Process(target=produce, args=(q, per, kind, gate)) for _ in range(4)]
    ps += [mp.Process(target=consume, args=(q, total // 3, gate, done)) for _ in range(3)]
    for p in ps:
        p.start()
    time.sleep(0.2)
    t0 = time.perf_counter()
    gate.set()
    for _ in range(3):
        done.get()
    rate = total / (time.perf_counter() - t0)
    for p in ps:
        p.join()
    return rate


def pong(conn, n):
    for _ in range(n):
        conn.send(conn.recv())


def round_trip():
    a, b = mp.Pipe()
    warm = 2000
    p = mp.Process(target=pong, args=(b, RT_N + warm))
    p.start()
    for i in range(warm):
        a.send(i)
        a.recv()
    t0 = time.perf_counter()
    for i in range(RT_N):
        a.send(i)
        a.recv()
    us = (time.perf_counter() - t0) * 1e6 / RT_N
    p.join()
    return us


if __name__ == "__main__":
    emit("queue.small.1to1", "msgs/s", [one_to_one("small", SMALL_N) for _ in range(5)])
    emit("queue.small.4to3", "msgs/s", [four_to_three("small", SMALL_N) for _ in range(5)])
    emit("queue.bytes1k.1to1", "msgs/s", [one_to_one("bytes1k", BYTES_N) for _ in range(5)])
    emit("queue.bytes1k.4to3", "msgs/s", [four_to_three("bytes1k", BYTES_N) for _ in range(5)])
    emit("pipe.roundtrip.sync.workers", "µs", [round_trip() for _ in range(5)])
