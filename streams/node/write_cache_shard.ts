import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { SHARDS_DIR, shardListingPath } from "./_cache_shard_file.ts";
import { writeFileAtomic } from "./write_file_atomic.ts";

/** One video of a shard listing: where it stands in the whole sorted list and what the store holds for it. */
export interface CacheShardVideo {
  /** Position in the whole sorted video list (`shardVideos`'s `index`). */
  position: number;
  videoId: string;
  identity: string | null;
  path: string;
  /** The store key of its features, or null when it was skipped. */
  key: string | null;
  /** Why it was skipped (null when cached). */
  skipped: string | null;
}

/**
 * What one worker of a sharded feature cache writes when its share is done
 * (`<store>/shards/<index>-of-<count>.json`): the store is finished when
 * every shard of a count has its listing.
 */
export interface CacheShardListing {
  version: 1;
  index: number;
  count: number;
  /** Videos in the whole list (every shard's listing names the same total). */
  total: number;
  /** Content hash of the whole sorted list (paths and ids): shards of one store must agree on it. */
  listHash: string;
  /** The front-end configuration hash in every key. */
  configHash: string;
  /** Face crop side and face frames per second the features were made with. */
  faceSize: number;
  fps: number;
  /** ISO time the share finished. */
  finishedAt: string;
  videos: CacheShardVideo[];
}

/**
 * Writes a worker's shard listing into the store folder, atomically (a
 * killed worker leaves no listing, so its shard counts as unfinished). A
 * rerun of the same shard replaces it.
 *
 * @example
 * ```ts
 * import { writeCacheShard } from "cmpc-stream/streams/node";
 * await writeCacheShard("cache/features", {
 *   version: 1, index: 0, count: 1, total: 0, listHash: "", configHash: "", faceSize: 112, fps: 1,
 *   finishedAt: new Date().toISOString(), videos: [],
 * });
 * ```
 */
export async function writeCacheShard(storeDir: string, listing: CacheShardListing): Promise<string> {
  const { index, count } = listing;
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`Cannot write the listing of shard ${index}/${count}: the index must be in 0..count−1`);
  }
  await mkdir(join(storeDir, SHARDS_DIR), { recursive: true });
  const path = shardListingPath(storeDir, index, count);
  await writeFileAtomic(path, `${JSON.stringify(listing, null, 1)}\n`);
  return path;
}
