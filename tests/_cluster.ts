/**
 * Test helper (not a test file): a real `nats-server -js` on 127.0.0.1 (a
 * free port, a temporary store) and `tsmp-worker` OS processes under Deno,
 * Bun or Node, each started and stopped within bounded waits. Whatever is
 * still running when the test process exits is killed then.
 */

import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url).href);
const BIN = path.join(ROOT, "node_modules", ".bin");
const CLUSTER = path.join(ROOT, "cluster.ts");

/** Where `name` is on PATH, or null. */
export function which(name: string): string | null {
  for (const dir of [BIN, ...(process.env.PATH ?? "").split(path.delimiter)]) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return null;
}

/** The nats-server binary, or null when it is not installed. */
export const NATS_SERVER: string | null = which("nats-server");

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** A running child OS process and its output so far. */
export interface Child {
  child: ChildProcess;
  pid: number;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** Sends `signal` and waits (at most 30 s, then SIGKILL) for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

function start(command: string, args: string[], cwd = ROOT): Child {
  const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? "?");
    });
  });
  return {
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      // process.kill, not child.kill: Deno's child_process reports a child
      // sent a signal by child.kill as ended by it, even when it exits 0.
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      timer.unref?.();
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function until(what: string, ready: () => boolean | Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

/** A nats-server with JetStream on 127.0.0.1. */
export interface NatsServer {
  url: string;
  /** Stops it and starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops it and removes its store. */
  stop(): Promise<void>;
}

/** Starts `nats-server -js` on a free loopback port with a temporary store. */
export async function startNats(): Promise<NatsServer> {
  const port = await freePort();
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "tsmp-nats-"));
  const args = ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", store];
  let server = start(NATS_SERVER!, args);
  const up = () => until(`nats-server on port ${port}`, () => accepts(port), 15_000);
  await up();
  return {
    url: `nats://127.0.0.1:${port}`,
    async restart() {
      await server.stop("SIGTERM");
      server = start(NATS_SERVER!, args);
      await up();
    },
    async stop() {
      await server.stop("SIGTERM");
      fs.rmSync(store, { recursive: true, force: true });
    },
  };
}

/** The command running cluster.ts under a runtime. */
function runtimeCommand(runtime: string): [string, string[]] {
  const exe = which(runtime);
  if (!exe) throw new Error(`${runtime} not found`);
  return runtime === "deno" ? [exe, ["run", "-A", CLUSTER]] : [exe, [CLUSTER]];
}

/** Starts `tsmp-worker` under `runtime` and waits (at most 60 s) until it takes tasks. */
export async function startWorker(
  runtime: "deno" | "bun" | "node",
  url: string,
  extra: string[] = [],
): Promise<Child> {
  const [exe, args] = runtimeCommand(runtime);
  const worker = start(exe, [...args, "--servers", url, "--processes", "1", ...extra]);
  let ended = false;
  void worker.exited.then(() => (ended = true));
  await until(`tsmp-worker under ${runtime}`, () => {
    if (ended) throw new Error(`tsmp-worker under ${runtime} ended:\n${worker.output()}`);
    return worker.output().includes("tsmp-worker: ready");
  }, 60_000);
  return worker;
}

/** Resolves once `ready()` holds, checking every 50 ms; throws after `ms`. */
export function waitFor(what: string, ready: () => boolean, ms = 30_000): Promise<void> {
  return until(what, ready, ms);
}
