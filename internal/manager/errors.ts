/**
 * The errors of a Manager's proxies, re-exported by `manager.ts`.
 *
 * @module
 */

/**
 * A key a dict proxy does not have (`pop` without a default, `popitem` of an
 * empty dict, `getItem`). Python's `KeyError`.
 *
 * @example Catching KeyError
 * ```ts
 * import { KeyError, Manager } from "@tsmp/multiprocessing";
 *
 * await using manager = new Manager();
 * const d = manager.dict<string, number>();
 * try {
 *   d.pop("missing");
 * } catch (error) {
 *   console.log(error instanceof KeyError); // true
 * }
 * ```
 */
export class KeyError extends Error {
  /**
   * A `KeyError`.
   *
   * @param message The key.
   * @param options `cause`, as for `Error`.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KeyError";
  }
}

/**
 * A proxy used after its Manager was shut down. (Python's proxies then fail
 * with a connection error.)
 *
 * @example After shutdown
 * ```ts
 * import { Manager, ManagerShutdownError } from "@tsmp/multiprocessing";
 *
 * const manager = new Manager();
 * const d = manager.dict();
 * manager.shutdown();
 * try {
 *   d.set("a", 1);
 * } catch (error) {
 *   console.log(error instanceof ManagerShutdownError); // true
 * }
 * ```
 */
export class ManagerShutdownError extends Error {
  /**
   * A `ManagerShutdownError`.
   *
   * @param message What was used.
   * @param options `cause`, as for `Error`.
   */
  constructor(
    message = "The Manager of this proxy has been shut down",
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ManagerShutdownError";
  }
}
