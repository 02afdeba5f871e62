import t from "tap";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { videoFolderSource } from "./video_folder_source.ts";

t.test("videoFolderSource() lists the grid clips sorted with manifest identities", async (t) => {
  const dir = fileURLToPath(new URL("../../../shared/data/grid/", import.meta.url));
  if (!existsSync(dir)) {
    t.comment("../shared/data/grid is absent: skipping the grid listing");
    return;
  }
  const videos = await videoFolderSource(dir, { manifest: join(dir, "manifest.csv") });
  t.equal(videos.length, 47);
  t.equal(new Set(videos.map((v) => v.identity)).size, 10);
  t.ok(videos.every((v, i) => v.index === i && v.identity !== null));
  const ids = videos.map((v) => v.videoId);
  t.same(ids, [...ids].sort(), "sorted by path");
  t.equal(videos[0]!.videoId, "lipnet__bbaf2n.mpg");
  t.equal(videos[0]!.identity, "grid_s1");
  t.equal(videos.filter((v) => v.identity === "grid_f1").length, 13);
});

t.test(
  "videoFolderSource() walks folders, filters extensions, takes listed files and reports missing paths",
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "cmpc-src-"));
    t.teardown(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    mkdirSync(join(dir, "sub"));
    for (const f of ["b.mp4", "a.MOV", "notes.txt", "sub/c.webm"]) writeFileSync(join(dir, f), "x");
    writeFileSync(join(dir, "manifest.csv"), "file,identity\nsub/c.webm,carol\nb.mp4,bob\n");
    const all = await videoFolderSource(dir, { manifest: join(dir, "manifest.csv") });
    t.same(
      all.map((v) => [v.index, v.videoId, v.identity]),
      [
        [0, "a.MOV", null],
        [1, "b.mp4", "bob"],
        [2, "sub/c.webm", "carol"],
      ],
    );
    t.equal((await videoFolderSource(dir, { recursive: false })).length, 2);
    t.equal((await videoFolderSource(dir, { manifest: join(dir, "manifest.csv"), manifestOnly: true })).length, 2);
    const listed = await videoFolderSource([join(dir, "notes.txt"), join(dir, "b.mp4")]);
    t.same(
      listed.map((v) => v.videoId),
      ["b.mp4", "notes.txt"],
    );
    await t.rejects(videoFolderSource(join(dir, "missing")), { name: "TypeError", message: /missing/ });
  },
);

t.test("videoFolderSource() follows symbolic links to videos and folders, once", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "cmpc-vfs-links-"));
  t.teardown(() => {
    rmSync(root, { recursive: true, force: true });
  });
  mkdirSync(join(root, "real", "sub"), { recursive: true });
  writeFileSync(join(root, "real", "a.mp4"), "x");
  writeFileSync(join(root, "real", "sub", "b.mp4"), "x");
  mkdirSync(join(root, "list"));
  symlinkSync(join(root, "real", "a.mp4"), join(root, "list", "linked.mp4"));
  symlinkSync(join(root, "real", "sub"), join(root, "list", "linked-dir"));
  symlinkSync(join(root, "list"), join(root, "list", "loop"));
  symlinkSync(join(root, "nowhere.mp4"), join(root, "list", "dangling.mp4"));
  const videos = await videoFolderSource(join(root, "list"));
  t.same(
    videos.map((v) => v.videoId),
    ["linked-dir/b.mp4", "linked.mp4"],
    "linked files and folders are listed; a loop and a dangling link are not",
  );
});
