import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  blankCommentsAndStrings,
  exportsName,
  resolveTarget,
  stackModules,
} from "../../internal/target/resolve.ts";
import { currentProcess } from "../../process.ts";
import { noop } from "../fixtures/process_targets.ts";

// The library's root, as resolve.ts sees it: files at the top level and under
// internal/ and runtime/ are its own; tests/, examples/ and bench/ are user code.
const ROOT = new URL("../../", import.meta.url).href;
const USER = `${ROOT}tests/fixtures/process_targets.ts`;
const ROOT_PATH = new URL(ROOT).pathname;

describe("stackModules", () => {
  const cases: Array<[string, string, string[]]> = [
    ["V8, named frame", `    at work (${USER}:12:7)`, [USER]],
    ["V8, anonymous frame", `    at ${USER}:3:1`, [USER]],
    ["V8, async frame", `    at async main (${USER}:40:5)`, [USER]],
    ["V8, constructor frame", `    at new Worker (${USER}:8:11)`, [USER]],
    ["V8, line without column", `    at ${USER}:3`, [USER]],
    [
      "Bun (JavaScriptCore in V8's shape), absolute path",
      `    at work (${ROOT_PATH}tests/fixtures/process_targets.ts:12:7)`,
      [USER],
    ],
    ["JavaScriptCore, named frame", `work@${USER}:12:7`, [USER]],
    ["JavaScriptCore, module code", `module code@${USER}:1:8`, [USER]],
    ["JavaScriptCore, anonymous frame", `@${USER}:5:3`, [USER]],
    ["an https module", "    at f (https://example.com/mod.ts:1:2)", [
      "https://example.com/mod.ts",
    ]],
    ["a native frame", "    at new Promise (<anonymous>)", []],
    ["a builtin frame", "    at node:internal/modules/esm/loader:647:26", []],
    ["JavaScriptCore native code", "forEach@[native code]", []],
    ["the message line", "Error: boom", []],
    ["a library top-level file", `    at Process.start (${ROOT}process.ts:300:5)`, []],
    ["a library internal file", `    at run (${ROOT}internal/pool/core.ts:10:2)`, []],
    ["a runtime adapter", `    at spawn (${ROOT}runtime/node.ts:10:2)`, []],
  ];
  for (const [name, line, expected] of cases) {
    test(`${name}: ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(stackModules(`Error: x\n${line}`), expected);
    });
  }

  test("a whole stack gives user modules innermost first, each once", () => {
    const other = `${ROOT}examples/000_join.ts`;
    const stack = [
      "Error",
      `    at callerModules (${ROOT}internal/target/resolve.ts:60:10)`,
      `    at new Process (${ROOT}process.ts:200:20)`,
      `    at start (${USER}:5:3)`,
      `    at loop (${USER}:9:1)`,
      `    at ${other}:20:1`,
      "    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)",
    ].join("\n");
    assert.deepEqual(stackModules(stack), [USER, other]);
  });

  test("no stack gives no modules", () => {
    assert.deepEqual(stackModules(undefined), []);
    assert.deepEqual(stackModules(""), []);
  });
});

describe("exportsName", () => {
  const cases: Array<[string, string, boolean]> = [
    ["export function", "export function square(x) { return x * x; }", true],
    ["export async function", "export async function square(x) {}", true],
    ["export function*", "export function* square() {}", true],
    ["export async function*", "export async function *square() {}", true],
    ["export const", "export const square = (x) => x * x;", true],
    ["export let", "export let square = null;", true],
    ["export var", "export var square;", true],
    ["export class", "export class square {}", true],
    ["export default function with the name", "export default function square() {}", true],
    ["export default class with the name", "export default class square {}", true],
    ["export default of the name", "function square() {}\nexport default square;", true],
    ["an export list", "function square() {}\nexport { cube, square };", true],
    ["an export list renaming to the name", "function sq() {}\nexport { sq as square };", true],
    ["a re-export", 'export { square } from "./math.ts";', true],
    ["a renaming re-export", 'export { sq as square } from "./math.ts";', true],
    ["after a statement on the same line", "const a = 1; export function square() {}", true],
    ["indented", "  export function square() {}", true],
    ["a longer name that starts with it", "export function squareRoot() {}", false],
    ["a shorter name it starts with", "export function squ() {}", false],
    ["a list renaming it away", "function square() {}\nexport { square as sq };", false],
    ["a type-only export list", "export type { square };", false],
    ["a plain function", "function square() {}", false],
    ["an import of it", 'import { square } from "./math.ts";', false],
    ["a line comment", "// export function square() {}", false],
    ["a block comment", "/*\nexport function square() {}\n*/", false],
    ["a JSDoc example", "/**\n * ```ts\n * export function square() {}\n * ```\n */", false],
    ["a string", 'const s = "\\nexport function square() {}";', false],
    ["a template literal over lines", "const s = `\nexport function square() {}\n`;", false],
    ["a single-quoted string", "const s = ';export const square = 1';", false],
    [
      "a comment, then the real export",
      "// export const square\nexport function square() {}",
      true,
    ],
    [
      "a string with a quote, then the real export",
      'const q = "\'";\nexport const square = 1;',
      true,
    ],
  ];
  for (const [name, text, expected] of cases) {
    test(`${name}: ${expected}`, () => {
      assert.equal(exportsName(text, "square"), expected);
    });
  }

  test("a name with $ is matched literally", () => {
    assert.equal(exportsName("export const $sq = 1;", "$sq"), true);
    assert.equal(exportsName("export const xsq = 1;", "$sq"), false);
  });
});

describe("blankCommentsAndStrings", () => {
  test("keeps code and line breaks, blanks comments and literal contents", () => {
    const text = 'a(1); // c\n/* b\nb */ s = "x;y" + `t\n${u}`;';
    const blanked = blankCommentsAndStrings(text);
    assert.equal(blanked.length, text.length);
    assert.equal(blanked.split("\n").length, text.split("\n").length);
    assert.equal(blanked, 'a(1);     \n    \n     s = "   " + ` \n    `;');
  });

  test("a quote left open ends at its line", () => {
    assert.equal(
      blankCommentsAndStrings("x = /'/;\nexport const y = 1;"),
      "x = /'  \nexport const y = 1;",
    );
  });
});

describe("resolveTarget", () => {
  test("a function is resolved once for each module named for it", () => {
    const named = resolveTarget(noop, [], USER);
    assert.deepEqual(named.modules, [USER]);
    assert.equal(resolveTarget(noop, [], USER), named);
    const found = resolveTarget(noop, [USER]);
    assert.deepEqual(found.modules, [USER]);
    assert.equal(resolveTarget(noop, [USER]), found);
  });

  test("the library's own files are never searched for a target", () => {
    // The fixture imports ../../process.ts, which exports currentProcess: a
    // program that imports the library by a relative path finds there what
    // one importing it by name would not (a function of the library's own
    // is sent by its source, either way).
    assert.deepEqual(resolveTarget(currentProcess, [USER]).modules, []);
  });
});
