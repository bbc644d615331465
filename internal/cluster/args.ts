/**
 * The `tsmp-worker` command line.
 *
 * @module
 */

import process from "node:process";

/** How to call `tsmp-worker`. */
export const WORKER_USAGE = `usage: tsmp-worker --servers nats://host:4222[,nats://...]
                   [--processes N] [--root DIR] [--prefix PREFIX] [--grace MS]

  --servers    the NATS server(s), JetStream enabled (nats-server -js)
  --processes  local processes running tasks (default: the number of CPUs)
  --root       the project root the drivers' module paths are relative to
               (default: the working directory)
  --prefix     prefix of the cluster's subjects and streams (default: tsmp)
  --grace      on SIGINT/SIGTERM, ms running tasks may take to finish before
               they are handed back to the cluster (default: 30000)`;

/** Parsed `tsmp-worker` options. */
export interface WorkerArgs {
  servers: string[];
  processes: number;
  root: string;
  prefix: string;
  grace: number;
}

// The flags the command takes, each with a value.
const FLAGS = ["--servers", "--processes", "--grace", "--root", "--prefix"];

/** The options, or a message saying what is wrong ("" for --help). */
export function parseWorkerArgs(args: readonly string[], cpus: number): WorkerArgs | string {
  const path = process.getBuiltinModule("node:path") as typeof import("node:path");
  const out: WorkerArgs = {
    servers: [],
    processes: cpus,
    root: process.cwd(),
    prefix: "tsmp",
    grace: 30_000,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help") return "";
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!FLAGS.includes(flag)) return `unknown option ${flag}`;
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) return `${flag} needs a value`;
    switch (flag) {
      case "--servers":
        out.servers.push(...value.split(",").filter((s) => s !== ""));
        break;
      case "--processes":
      case "--grace": {
        const n = Number(value);
        if (!Number.isInteger(n) || n < (flag === "--grace" ? 0 : 1)) {
          return `${flag} must be an integer of at least ${
            flag === "--grace" ? 0 : 1
          }, got ${value}`;
        }
        if (flag === "--grace") out.grace = n;
        else out.processes = n;
        break;
      }
      case "--root":
        out.root = path.resolve(value);
        break;
      case "--prefix":
        if (!/^[A-Za-z0-9_-]+$/.test(value)) {
          return `--prefix must be letters, digits, '_' or '-', got ${value}`;
        }
        out.prefix = value;
        break;
      default:
        return `unknown option ${flag}`;
    }
  }
  if (out.servers.length === 0) return "--servers is required";
  return out;
}
