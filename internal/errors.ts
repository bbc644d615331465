/**
 * Errors that cross between processes: a child's error is sent back as
 * plain data and rebuilt with its class (where it is a built-in one), name,
 * message, stack, cause and own data fields, as Python's pool re-raises a
 * child's exception with its remote traceback.
 *
 * @module
 */

/**
 * An error raised in another process whose class does not exist here (a
 * user-defined class). `name`, `message` and `stack` are the child's.
 *
 * @example Telling a child's error apart
 * ```ts
 * import { Process, ProcessError } from "@tsmp/multiprocessing";
 *
 * export function fail(): never {
 *   class Oops extends Error {}
 *   throw new Oops("no");
 * }
 *
 * if (import.meta.main) {
 *   const p = new Process({ target: fail });
 *   p.start();
 *   await p.join();
 *   console.log(p.error instanceof ProcessError, p.exitcode); // true 1
 * }
 * ```
 */
export class ProcessError extends Error {
  /**
   * Makes the error the parent sees for a child's uncaught error.
   *
   * @param message The child's error message.
   * @param options `cause`, as for `Error`.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProcessError";
  }
}

/**
 * A wait that ran out of time: `AsyncResult.get()`, `Future.result()`,
 * a pool task past its `timeout`. Python's `multiprocessing.TimeoutError`.
 *
 * @example Catching a timeout
 * ```ts
 * import { TimeoutError } from "@tsmp/multiprocessing";
 *
 * try {
 *   throw new TimeoutError("Result not ready after 10 ms");
 * } catch (error) {
 *   console.log(error instanceof TimeoutError); // true
 * }
 * ```
 */
export class TimeoutError extends Error {
  /**
   * Makes the error for a wait that ran out of time.
   *
   * @param message What timed out.
   * @param options `cause`, as for `Error`.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}

/** Thrown by `exit()` in a child to end it with a code, unwinding like Python's SystemExit. */
export class SystemExit extends Error {
  /** The exit code. */
  readonly code: number;
  /** What the process prints to stderr as it ends (`exit("reason")`), if anything. */
  readonly reason?: string;
  /**
   * @param code The exit code.
   * @param reason A message to print to stderr as the process ends.
   */
  constructor(code: number, reason?: string) {
    super(reason ?? `exit(${code})`);
    this.name = "SystemExit";
    this.code = code;
    if (reason !== undefined) this.reason = reason;
  }
}

/** An error as plain data. */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
  cause?: unknown;
  fields?: Record<string, unknown>;
  /** The built-in class when the name alone does not tell it (a `DOMException`'s is its kind). */
  builtin?: "DOMException" | "AggregateError";
  /** An `AggregateError`'s errors. */
  errors?: unknown[];
}

const BUILTIN: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Turns anything thrown into plain data that structured clone and the codec carry. */
export function serializeError(error: unknown, depth = 0): ErrorData {
  if (!(error instanceof Error)) {
    return { name: "Error", message: `Non-error thrown: ${safeString(error)}` };
  }
  const data: ErrorData = { name: errorName(error), message: error.message };
  if (error.stack !== undefined) data.stack = errorText(error);
  const nested = (value: unknown): unknown =>
    value instanceof Error ? { __error__: serializeError(value, depth + 1) } : plain(value);
  if (error.cause !== undefined && depth < 8) data.cause = nested(error.cause);
  const ctor = (error as { constructor?: unknown }).constructor;
  if (typeof DOMException === "function" && ctor === DOMException) {
    data.builtin = "DOMException";
  } else if (ctor === AggregateError && Array.isArray((error as AggregateError).errors)) {
    data.builtin = "AggregateError";
    data.errors = depth < 8 ? (error as AggregateError).errors.map(nested) : [];
  }
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (["name", "message", "stack", "cause", "errors"].includes(key)) continue;
    const value = plain((error as unknown as Record<string, unknown>)[key]);
    if (value !== undefined) fields[key] = value;
  }
  if (Object.keys(fields).length > 0) data.fields = fields;
  return data;
}

/**
 * An error's class name as Python prints it: its `name`, or its class's name
 * where a subclass left `name` as `"Error"` (`class Oops extends Error {}`).
 */
export function errorName(error: Error): string {
  const ctor = (error as { constructor?: unknown }).constructor;
  if (
    error.name === "Error" && typeof ctor === "function" && ctor !== Error && ctor.name !== ""
  ) {
    return ctor.name;
  }
  return error.name;
}

/** An error's stack (or `name: message`), headed by {@linkcode errorName}. */
export function errorText(error: Error): string {
  const name = errorName(error);
  const stack = error.stack;
  if (!stack) return `${name}: ${error.message}`;
  // V8 and Bun head the stack with `Error: message`: put the class there.
  if (name !== error.name && stack.startsWith(`${error.name}:`)) {
    return name + stack.slice(error.name.length);
  }
  return stack;
}

function plain(value: unknown): unknown {
  if (value === null || ["string", "number", "boolean", "bigint"].includes(typeof value)) {
    return value;
  }
  try {
    return structuredClone(value);
  } catch {
    return safeString(value);
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Rebuilds an error from {@linkcode serializeError}'s data. */
export function deserializeError(data: ErrorData): Error {
  const Builtin = BUILTIN[data.name];
  const nested = (value: unknown): unknown =>
    value && typeof value === "object" && "__error__" in value
      ? deserializeError((value as { __error__: ErrorData }).__error__)
      : value;
  const cause = nested(data.cause);
  const options = cause === undefined ? undefined : { cause };
  let error: Error;
  if (data.builtin === "DOMException" && typeof DOMException === "function") {
    error = new DOMException(data.message, data.name);
    if (options) Object.defineProperty(error, "cause", { value: cause, configurable: true });
  } else if (data.builtin === "AggregateError") {
    error = new AggregateError((data.errors ?? []).map(nested), data.message, options);
  } else if (Builtin) {
    error = new Builtin(data.message, options);
  } else {
    error = new ProcessError(data.message, options);
    error.name = data.name;
  }
  if (data.stack) error.stack = data.stack;
  if (data.fields) Object.assign(error, data.fields);
  return error;
}
