// A program as a user of the published package writes it: it imports the
// package by name and uses a process, a queue, a lock, a pool (an exported
// target and a lambda), a process pool executor, and every kind of shared
// object a process can receive (each is rebuilt there from a module of the
// package: its URL must name a file the package ships). It prints one line
// and exits 0 when every answer is right, and throws otherwise.
import {
  type Connection,
  Event,
  JoinableQueue,
  Lock,
  Manager,
  Pipe,
  Pool,
  Process,
  ProcessPoolExecutor,
  Queue,
  Semaphore,
  ShareableList,
  SharedArray,
  SharedMemory,
  Value,
} from "@tsmp/multiprocessing";

export function square(x: number): number {
  return x * x;
}

export function greet(q: Queue<string>, lock: Lock, name: string): void {
  lock.withLockSync(() => q.putNowait(`hello from ${name}`));
}

/** The shared objects a child is handed, one of each kind. */
export interface Shared {
  value: Value<"i">;
  array: SharedArray<"d">;
  event: Event;
  semaphore: Semaphore;
  conn: Connection<string>;
  shm: SharedMemory;
  list: ShareableList<number>;
  jq: JoinableQueue<string>;
  dict: ReturnType<Manager["dict"]>;
  mlist: ReturnType<Manager["list"]>;
}

export async function useShared(s: Shared): Promise<void> {
  s.value.value += 1;
  s.array.set(1, 2.5);
  s.event.set();
  s.semaphore.release();
  s.conn.send("sent through a pipe");
  s.shm.buf[0] = 7;
  s.list.set(0, 99);
  s.jq.put("joinable");
  s.dict.set("child", "here");
  s.mlist.append(42);
  await s.jq.join({ timeout: 30_000 });
}

function expect(what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

if (import.meta.main) {
  const q = new Queue<string>();
  const lock = new Lock();
  const ps = ["a", "b"].map((name) => new Process({ target: greet, args: [q, lock, name] }));
  for (const p of ps) p.start();
  for (const p of ps) await p.join({ timeout: 60_000 });
  expect("exit codes", ps.map((p) => p.exitcode), [0, 0]);
  const greetings = [await q.get({ timeout: 10_000 }), await q.get({ timeout: 10_000 })];
  expect("greetings", greetings.sort(), ["hello from a", "hello from b"]);

  const manager = new Manager();
  const [recvEnd, sendEnd] = Pipe<string>(false);
  const shm = new SharedMemory({ create: true, size: 16 });
  const list = new ShareableList([1, 2, 3]);
  const shared: Shared = {
    value: new Value("i", 41),
    array: new SharedArray("d", [0, 0]),
    event: new Event(),
    semaphore: new Semaphore(0),
    conn: sendEnd,
    shm,
    list,
    jq: new JoinableQueue<string>(),
    dict: manager.dict(),
    mlist: manager.list(),
  };
  try {
    const child = new Process({ target: useShared, args: [shared] });
    child.start();
    const got = await shared.jq.get({ timeout: 60_000 });
    shared.jq.taskDone();
    await child.join({ timeout: 60_000 });
    expect("shared objects' child", child.exitcode, 0);
    expect("shared objects", [
      got,
      shared.value.value,
      shared.array.toArray(),
      shared.event.isSet(),
      shared.semaphore.getValue(),
      await recvEnd.recv({ timeout: 10_000 }),
      shm.buf[0],
      list.toArray(),
      shared.dict.getItem("child"),
      [...shared.mlist],
    ], ["joinable", 42, [0, 2.5], true, 1, "sent through a pipe", 7, [99, 2, 3], "here", [42]]);
  } finally {
    manager.shutdown();
    list.shm.close();
    list.shm.unlink();
    shm.close();
    shm.unlink();
  }

  const pool = new Pool(2);
  try {
    expect("pool.map", await pool.map(square, [1, 2, 3, 4]), [1, 4, 9, 16]);
    expect("pool.map of a lambda", await pool.map((x: number) => x + 1, [1, 2, 3]), [2, 3, 4]);
  } finally {
    await pool.terminate();
  }

  const executor = new ProcessPoolExecutor(2);
  try {
    expect("executor", await executor.submit(square, 7).result({ timeout: 60_000 }), 49);
  } finally {
    await executor.shutdown();
  }
  console.log(
    "consumer program ok: Process, Queue, Lock, shared objects, Manager, Pool, ProcessPoolExecutor",
  );
}
