import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { makeFolder } from "./make_folder.ts";

t.test("makeFolder() makes the folder and its parents, and says in words why it cannot", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cmpc-make-folder-"));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  await makeFolder(join(dir, "a", "b"), "the run folder");
  t.ok(statSync(join(dir, "a", "b")).isDirectory(), "made with its parents");
  await makeFolder(join(dir, "a", "b"), "the run folder");
  t.pass("an existing folder is fine");

  const file = join(dir, "a-file");
  writeFileSync(file, "x");
  await t.rejects(makeFolder(file, "the run folder"), {
    name: "TypeError",
    message: `Cannot create the run folder "${file}": it is a file, not a folder`,
  });
  await t.rejects(makeFolder(join(file, "x", "y"), "the plots folder"), {
    name: "TypeError",
    message: `Cannot create the plots folder "${join(file, "x", "y")}": "${file}" is a file, not a folder`,
  });
});
