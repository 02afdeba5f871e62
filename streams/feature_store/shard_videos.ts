// This module is browser compatible.
import type { DatasetVideo } from "../formats/dataset_video.ts";

/** Which share of a video list one worker takes: shard `index` of `count` (0-based). */
export interface VideoShard {
  /** This worker's shard, 0..count−1 (a Kubernetes Indexed Job's `JOB_COMPLETION_INDEX`). */
  index: number;
  /** How many workers share the list. */
  count: number;
}

/**
 * The deterministic share of `videos` that shard `index` of `count` caches:
 * the list is sorted by path, then video id (UTF-16 code units, so every
 * worker on every machine sorts alike), and shard i takes the positions p
 * with p mod count = i (round-robin, so shards differ by at most one video
 * and long and short videos spread evenly). Each returned video's `index` is
 * its position in the whole sorted list, so the shards together give the
 * same order (and memory-bank slots) as one worker would.
 *
 * @example
 * ```ts
 * import { shardVideos, type DatasetVideo } from "cmpc-stream/streams";
 * const v = (path: string): DatasetVideo => ({ index: 0, path, identity: null, videoId: path });
 * const mine = shardVideos([v("c.mp4"), v("a.mp4"), v("b.mp4")], { index: 1, count: 2 });
 * console.assert(mine.map((x) => `${x.index}:${x.path}`).join() === "1:b.mp4");
 * ```
 * @throws {RangeError} When `count` is not a positive integer or `index` is outside 0..count−1.
 */
export function shardVideos(videos: readonly DatasetVideo[], shard: VideoShard): DatasetVideo[] {
  const { index, count } = shard;
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`Cannot shard videos: count must be ≥ 1, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`Cannot shard videos: shard index must be in 0..${count - 1}, got ${index}`);
  }
  return sortVideos(videos)
    .map((v, position) => ({ ...v, index: position }))
    .filter((v) => v.index % count === index);
}

/** `videos` in the order {@linkcode shardVideos} shares them out (by path, then video id). */
export function sortVideos(videos: readonly DatasetVideo[]): DatasetVideo[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...videos].sort((a, b) => cmp(a.path, b.path) || cmp(a.videoId, b.videoId));
}
