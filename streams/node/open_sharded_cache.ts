import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CachedVideo, FeatureCache } from "../feature_store/mod.ts";
import { LISTING_NAME, SHARDS_DIR } from "./_cache_shard_file.ts";
import { NodeFeatureStore, type NodeFeatureStoreOptions } from "./node_feature_store.ts";
import type { CacheShardListing, CacheShardVideo } from "./write_cache_shard.ts";

/** A sharded store that is not finished: some shards of its count have no listing yet. */
export class IncompleteCacheError extends TypeError {
  /** The shard count of the newest listings. */
  readonly count: number;
  /** The shards (0-based) without a listing. */
  readonly missing: number[];
  constructor(message: string, count: number, missing: number[]) {
    super(message);
    this.name = "IncompleteCacheError";
    this.count = count;
    this.missing = missing;
  }
}

/** A finished store opened for training: the cache, the videos its workers skipped, and how it was made. */
export interface ShardedCache {
  /** The cached videos in the whole sorted list's order, re-indexed 0..n−1 (`sourceIndex` = position in the list). */
  cache: FeatureCache;
  /** The open store (close it when done). */
  store: NodeFeatureStore;
  /** How many shards built it. */
  count: number;
  /** Videos in the whole list, skipped ones included. */
  total: number;
  /** Videos the workers skipped, with why. */
  skipped: CacheShardVideo[];
  /** Face crop side and face frames per second of its features. */
  faceSize: number;
  fps: number;
}

/**
 * Opens a feature store that workers built with shard listings
 * ({@linkcode writeCacheShard}) as a {@linkcode FeatureCache}, without
 * reading or decoding any video: the store is finished when every shard of
 * one count has a listing (when several counts are complete, the most
 * recently finished wins). The videos come in the order of the whole sorted
 * list, so a store built by n workers gives the same cache as one built by
 * one.
 *
 * @example
 * ```ts
 * import { openShardedCache } from "cmpc-stream/streams/node";
 * const { cache, store } = await openShardedCache("cache/features");
 * console.log(cache.videos.length);
 * await store.close();
 * ```
 * @throws {IncompleteCacheError} When no shard count has all its listings.
 * @throws {TypeError} When the listings disagree (another video list or front end) or name entries the store lacks.
 */
export async function openShardedCache(storeDir: string, options: NodeFeatureStoreOptions = {}): Promise<ShardedCache> {
  const where = `Cannot open the feature cache in "${storeDir}"`;
  let names: string[];
  try {
    names = await readdir(join(storeDir, SHARDS_DIR));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    names = [];
  }
  const byCount = new Map<number, Map<number, CacheShardListing>>();
  for (const name of names) {
    const m = LISTING_NAME.exec(name);
    if (m === null) continue;
    const path = join(storeDir, SHARDS_DIR, name);
    let listing: CacheShardListing;
    try {
      listing = JSON.parse(await readFile(path, "utf8")) as CacheShardListing;
    } catch (e) {
      throw new TypeError(`${where}: its shard listing "${path}" is not JSON (${(e as Error).message})`, { cause: e });
    }
    if (listing.version !== 1 || !Array.isArray(listing.videos)) {
      throw new TypeError(`${where}: "${path}" is not a shard listing of this version`);
    }
    const count = Number(m[2]);
    const set = byCount.get(count) ?? new Map<number, CacheShardListing>();
    set.set(Number(m[1]), listing);
    byCount.set(count, set);
  }
  if (byCount.size === 0) {
    throw new IncompleteCacheError(`${where}: no worker has finished a share (nothing under ${SHARDS_DIR}/)`, 0, []);
  }
  const newest = (set: Map<number, CacheShardListing>) =>
    Math.max(...[...set.values()].map((l) => Date.parse(l.finishedAt) || 0));
  const sets = [...byCount.entries()].sort((a, b) => newest(b[1]) - newest(a[1]));
  const complete = sets.find(([count, set]) => set.size === count && [...set.keys()].every((i) => i < count));
  if (complete === undefined) {
    const [count, set] = sets[0]!;
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !set.has(i));
    throw new IncompleteCacheError(
      `${where}: shard${missing.length === 1 ? "" : "s"} ${missing.join(", ")} of ${count} ha${missing.length === 1 ? "s" : "ve"} not finished (no ${missing.map((i) => `${SHARDS_DIR}/${i}-of-${count}.json`).join(", ")})`,
      count,
      missing,
    );
  }
  const [count, set] = complete;
  const listings = [...set.entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => l);
  const first = listings[0]!;
  for (const l of listings) {
    for (const field of ["total", "listHash", "configHash", "faceSize", "fps"] as const) {
      if (l[field] !== first[field]) {
        throw new TypeError(
          `${where}: shard ${l.index}/${count} was made with ${field} ${String(l[field])}, shard ${first.index}/${count} with ${String(first[field])} (rerun the workers on one video list and one configuration)`,
        );
      }
    }
  }
  const all = listings.flatMap((l) => l.videos).sort((a, b) => a.position - b.position);
  if (all.length !== first.total || all.some((v, i) => v.position !== i)) {
    throw new TypeError(`${where}: its ${count} listings do not cover the ${first.total} videos exactly once`);
  }
  const store = await NodeFeatureStore.open(storeDir, options);
  try {
    const videos: CachedVideo[] = [];
    for (const v of all) {
      if (v.key === null) continue;
      const summary = await store.stat(v.key);
      if (summary === undefined) {
        throw new TypeError(`${where}: its listing names "${v.key}" (${v.videoId}), which is not in the store`);
      }
      videos.push({
        index: videos.length,
        sourceIndex: v.position,
        videoId: v.videoId,
        identity: v.identity,
        key: v.key,
        summary,
      });
    }
    return {
      cache: { videos, store, configHash: first.configHash },
      store,
      count,
      total: first.total,
      skipped: all.filter((v) => v.key === null),
      faceSize: first.faceSize,
      fps: first.fps,
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
