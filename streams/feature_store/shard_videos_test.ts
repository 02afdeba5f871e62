import t from "tap";
import type { DatasetVideo } from "../formats/dataset_video.ts";
import { shardVideos, sortVideos } from "./shard_videos.ts";

const v = (path: string, videoId = path): DatasetVideo => ({ index: 0, path, identity: null, videoId });

t.test("shardVideos() splits the sorted list into disjoint, covering, balanced shares", (t) => {
  const list = Array.from({ length: 23 }, (_, i) => v(`/d/clip${String(i).padStart(2, "0")}.mp4`));
  const shuffled = [...list].reverse();
  for (const count of [1, 2, 4, 7, 23, 30]) {
    const shares = Array.from({ length: count }, (_, index) => shardVideos(shuffled, { index, count }));
    const positions = shares.flatMap((s) => s.map((x) => x.index)).sort((a, b) => a - b);
    t.same(positions, [...list.keys()], `${count} shards cover every position once`);
    const sizes = shares.map((s) => s.length);
    t.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${count} shards differ by at most one video`);
    for (const s of shares) for (const x of s) t.equal(x.path, list[x.index]!.path);
  }
  t.same(
    shardVideos(list, { index: 1, count: 4 }).map((x) => x.path),
    shardVideos(shuffled, { index: 1, count: 4 }).map((x) => x.path),
    "the input order does not matter",
  );
  t.same(
    sortVideos([v("/a", "y"), v("/a", "x"), v("/B"), v("/b")]).map((x) => `${x.path}:${x.videoId}`),
    ["/B:/B", "/a:x", "/a:y", "/b:/b"],
    "by path in code-unit order, then by id",
  );
  t.end();
});

t.test("shardVideos() refuses an index outside the count", (t) => {
  t.throws(() => shardVideos([], { index: 2, count: 2 }), RangeError);
  t.throws(() => shardVideos([], { index: 0, count: 0 }), RangeError);
  t.throws(() => shardVideos([], { index: -1, count: 2 }), RangeError);
  t.end();
});
