import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../../", import.meta.url);

/** Every module `entry` imports, statically or dynamically, transitively (ours and bare names). */
function importGraph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (url: URL): void => {
    const file = fileURLToPath(url.href);
    if (files.has(file)) return;
    files.add(file);
    // Without comments: JSDoc examples import the package by name.
    const text = fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const imports =
      /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;
    for (const match of text.matchAll(imports)) {
      const spec = match[1] ?? match[2] ?? match[3];
      if (spec.startsWith(".")) visit(new URL(spec, url));
      else bare.add(spec);
    }
  };
  visit(new URL(entry, ROOT));
  return { files, bare };
}

test("the core never loads the cluster module or the NATS client", () => {
  const { files, bare } = importGraph("mod.ts");
  assert.ok(files.size > 10);
  for (const file of files) assert.doesNotMatch(file, /cluster/);
  for (const spec of bare) assert.match(spec, /^node:/);
});

test("the cluster module loads the NATS client only from internal/cluster/", () => {
  const { files, bare } = importGraph("cluster.ts");
  assert.ok([...bare].some((spec) => spec.startsWith("@nats-io/")));
  for (const file of files) {
    if (/\/internal\/cluster\//.test(file)) continue;
    assert.doesNotMatch(fs.readFileSync(file, "utf8"), /["']@nats-io\//, file);
  }
});
