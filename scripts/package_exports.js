// Checks that package.json exports every subpath deno.json exports, each as
// the npm build's .js with its .d.ts, and nothing else but ./package.json.
// Prints the entries to add or remove; exits 1 if any.
import { readFileSync } from "node:fs";
import process from "node:process";

const read = (file) => JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"));
const pkg = read("package.json");
const deno = read("deno.json");
const problems = [];
for (const [subpath, file] of Object.entries(deno.exports)) {
  const base = file.replace(/^\.\//, "./dist/").replace(/\.ts$/, "");
  const want = { types: `${base}.d.ts`, default: `${base}.js` };
  if (JSON.stringify(pkg.exports?.[subpath]) !== JSON.stringify(want)) {
    problems.push(`package.json exports["${subpath}"] must be ${JSON.stringify(want)}`);
  }
}
for (const subpath of Object.keys(pkg.exports ?? {})) {
  if (!(subpath in deno.exports) && subpath !== "./package.json") {
    problems.push(`package.json exports "${subpath}", which deno.json does not`);
  }
}
for (const problem of problems) console.error(problem);
process.exit(problems.length > 0 ? 1 : 0);
