/**
 * The errors of the queues and pipes, re-exported by `queue.ts` and
 * `pipe.ts`.
 *
 * @module
 */

/**
 * Raised by `get` when no item came in time (or at once, with
 * `block: false`). Python's `queue.Empty`.
 *
 * @example Catching Empty
 * ```ts
 * import { Empty, Queue } from "@tsmp/multiprocessing";
 *
 * const q = new Queue<number>();
 * try {
 *   q.getNowait();
 * } catch (error) {
 *   console.log(error instanceof Empty); // true
 * }
 * ```
 */
export class Empty extends Error {
  /**
   * An `Empty` error.
   *
   * @param message What was empty.
   * @param options `cause`, as for `Error`.
   */
  constructor(message = "Queue is empty", options?: ErrorOptions) {
    super(message, options);
    this.name = "Empty";
  }
}

/**
 * Raised by `put` on a bounded queue that stayed full for the whole wait
 * (or at once, with `block: false`). Python's `queue.Full`.
 *
 * @example Catching Full
 * ```ts
 * import { Full, Queue } from "@tsmp/multiprocessing";
 *
 * const q = new Queue<number>(1);
 * q.putNowait(1);
 * try {
 *   q.putNowait(2);
 * } catch (error) {
 *   console.log(error instanceof Full); // true
 * }
 * ```
 */
export class Full extends Error {
  /**
   * A `Full` error.
   *
   * @param message What was full.
   * @param options `cause`, as for `Error`.
   */
  constructor(message = "Queue is full", options?: ErrorOptions) {
    super(message, options);
    this.name = "Full";
  }
}

/**
 * Raised by `recv` on a drained pipe whose every writer has closed its end
 * or ended. Python's built-in `EOFError`.
 *
 * @example Reading until the writers are gone
 * ```ts
 * import { EOFError, Pipe } from "@tsmp/multiprocessing";
 *
 * const [reader, writer] = Pipe<number>(false);
 * writer.send(1);
 * writer.close();
 * console.log(reader.recvSync()); // 1
 * try {
 *   reader.recvSync();
 * } catch (error) {
 *   console.log(error instanceof EOFError); // true
 * }
 * ```
 */
export class EOFError extends Error {
  /**
   * An `EOFError`.
   *
   * @param message What ended.
   * @param options `cause`, as for `Error`.
   */
  constructor(message = "Every writer of the pipe has closed it or ended", options?: ErrorOptions) {
    super(message, options);
    this.name = "EOFError";
  }
}

/**
 * Raised by `send` when every process holding the other end of the pipe
 * (the end that would receive what is sent) has closed it or ended.
 * Python's built-in `BrokenPipeError`.
 *
 * @example Sending to a closed end
 * ```ts
 * import { BrokenPipeError, Pipe } from "@tsmp/multiprocessing";
 *
 * const [reader, writer] = Pipe<number>(false);
 * reader.close();
 * try {
 *   writer.send(1);
 * } catch (error) {
 *   console.log(error instanceof BrokenPipeError); // true
 * }
 * ```
 */
export class BrokenPipeError extends Error {
  /**
   * A `BrokenPipeError`.
   *
   * @param message What broke.
   * @param options `cause`, as for `Error`.
   */
  constructor(
    message = "Broken pipe: every process holding the other end has closed it or ended",
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "BrokenPipeError";
  }
}

/**
 * Raised by a queue operation after this process closed the queue with
 * `close()` (Python raises `ValueError`).
 *
 * @example Putting after close
 * ```ts
 * import { Queue, QueueClosedError } from "@tsmp/multiprocessing";
 *
 * const q = new Queue<number>();
 * q.close();
 * try {
 *   q.putNowait(1);
 * } catch (error) {
 *   console.log(error instanceof QueueClosedError, (error as Error).message); // true "Queue is closed"
 * }
 * ```
 */
export class QueueClosedError extends Error {
  /**
   * A `QueueClosedError`.
   *
   * @param message What was closed.
   * @param options `cause`, as for `Error`.
   */
  constructor(message = "Queue is closed", options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueClosedError";
  }
}

/**
 * Raised by a `Connection` method after this process closed that end with
 * `close()`, and by passing a closed end to another process (Python raises
 * `OSError`).
 *
 * @example Sending on a closed end
 * ```ts
 * import { ConnectionClosedError, Pipe } from "@tsmp/multiprocessing";
 *
 * const [, writer] = Pipe<number>();
 * writer.close();
 * try {
 *   writer.send(1);
 * } catch (error) {
 *   console.log(error instanceof ConnectionClosedError); // true
 * }
 * ```
 */
export class ConnectionClosedError extends Error {
  /**
   * A `ConnectionClosedError`.
   *
   * @param message What was closed.
   * @param options `cause`, as for `Error`.
   */
  constructor(message = "Connection is closed", options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionClosedError";
  }
}
