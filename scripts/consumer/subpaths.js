// Imports, by the package's name, every subpath that the deno.json given as
// the argument exports: the npm package has the same entry points as JSR.
import { readFileSync } from "node:fs";
import process from "node:process";

const subpaths = Object.keys(JSON.parse(readFileSync(process.argv[2], "utf8")).exports);
for (const subpath of subpaths) await import(`@tsmp/multiprocessing${subpath.slice(1)}`);
console.log(`consumer program ok: ${subpaths.join(" ")}`);
