/**
 * `npm run golden -- <fixtures-dir>`: checks the implementation against every
 * golden fixture in a directory, one line per file, exit 1 on any miss.
 */
import { existsSync } from "node:fs";
import { formatLine, runGolden } from "./run_golden.ts";

const dir = process.argv[2];
if (dir === undefined || !existsSync(dir)) {
  console.error(`usage: npm run golden -- <fixtures-dir>${dir === undefined ? "" : ` (not found: "${dir}")`}`);
  process.exit(2);
}
const lines = await runGolden(dir);
for (const l of lines) console.log(formatLine(l));
const failed = lines.filter((l) => l.status === "fail").length;
const skipped = lines.filter((l) => l.status === "skip").length;
console.log(`${lines.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || lines.length === 0 ? 1 : 0);
