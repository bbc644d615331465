import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import process from "node:process";
import { parseWorkerArgs } from "../../internal/cluster/args.ts";

test("tsmp-worker takes --servers (repeated or comma-separated) and its defaults", () => {
  assert.deepEqual(parseWorkerArgs(["--servers", "nats://a:4222,nats://b:4222"], 4), {
    servers: ["nats://a:4222", "nats://b:4222"],
    processes: 4,
    root: process.cwd(),
    prefix: "tsmp",
    grace: 30_000,
  });
  const parsed = parseWorkerArgs(
    ["--servers=nats://a:1", "--processes", "2", "--root", "sub", "--prefix=p_1", "--grace", "0"],
    4,
  );
  assert.deepEqual(parsed, {
    servers: ["nats://a:1"],
    processes: 2,
    root: path.resolve("sub"),
    prefix: "p_1",
    grace: 0,
  });
});

test("tsmp-worker refuses bad arguments saying which", () => {
  assert.equal(parseWorkerArgs([], 1), "--servers is required");
  assert.equal(parseWorkerArgs(["--servers"], 1), "--servers needs a value");
  assert.equal(
    parseWorkerArgs(["--servers", "nats://a:1", "--colour", "red"], 1),
    "unknown option --colour",
  );
  // Last on the line, an unknown flag is still unknown, not short of a value.
  assert.equal(
    parseWorkerArgs(["--servers", "nats://a:1", "--bogus"], 1),
    "unknown option --bogus",
  );
  assert.equal(parseWorkerArgs(["--bogus=1"], 1), "unknown option --bogus");
  assert.match(
    parseWorkerArgs(["--servers", "nats://a:1", "--processes", "0"], 1) as string,
    /--processes must be an integer of at least 1, got 0/,
  );
  assert.match(
    parseWorkerArgs(["--servers", "nats://a:1", "--prefix", "a.b"], 1) as string,
    /--prefix must be/,
  );
  assert.equal(parseWorkerArgs(["--help"], 1), "");
});
