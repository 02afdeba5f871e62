import { join } from "node:path";

/** The folder of a store's shard listings. */
export const SHARDS_DIR = "shards";

/** `<store>/shards/<index>-of-<count>.json`. */
export function shardListingPath(storeDir: string, index: number, count: number): string {
  return join(storeDir, SHARDS_DIR, `${index}-of-${count}.json`);
}

/** The listing file name pattern (index, count). */
export const LISTING_NAME = /^(\d+)-of-(\d+)\.json$/;
