// Every program in the README runs as written (its package import pointed at
// this checkout), under the runtime running the tests, and ends cleanly.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const README = fileURLToPath(new URL("../README.md", import.meta.url).href);
const MOD = new URL("../mod.ts", import.meta.url).href;

/** The README's TypeScript blocks that are whole programs using the package. */
function programs(): { line: number; code: string }[] {
  const text = readFileSync(README, "utf8");
  const found: { line: number; code: string }[] = [];
  const fence = /^```ts\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    const code = m[1];
    if (!/from "@tsmp\/multiprocessing"/.test(code) || !code.includes("import.meta.main")) continue;
    found.push({ line: text.slice(0, m.index).split("\n").length, code });
  }
  return found;
}

function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = "Deno" in globalThis ? ["run", "-A", file] : [file];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe("README programs", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsmp-readme-"));
  const all = programs();

  test("the README has a worked example in every section", () => {
    assert.ok(all.length >= 8, `only ${all.length} programs found`);
  });

  for (const { line, code } of all) {
    test(`the program at README.md:${line} runs`, async () => {
      const file = join(dir, `readme_${line}.ts`);
      writeFileSync(file, code.replaceAll('"@tsmp/multiprocessing"', JSON.stringify(MOD)));
      const { code: exit, stdout, stderr } = await run(file);
      assert.equal(stderr, "");
      assert.equal(exit, 0);
      assert.notEqual(stdout, "");
    });
  }

  test("clean up", () => rmSync(dir, { recursive: true, force: true }));
});
