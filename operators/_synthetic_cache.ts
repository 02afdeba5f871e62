// This module is browser compatible.
import {
  MemoryFeatureStore,
  type CachedVideo,
  type FeatureCache,
} from "../streams/mod.ts";

/**
 * A small in-memory feature cache for tests and benchmarks: video v has the
 * given utterance lengths; log-mel value at (mel m, frame f) is f + m / 100
 * (so a window's position can be read back), face k of video v is filled
 * with (v · 16 + k) mod 256.
 */
export async function syntheticCache(
  utterancesPerVideo: number[][],
  options: { mels?: number; faces?: number; faceSize?: number } = {},
): Promise<FeatureCache> {
  const mels = options.mels ?? 64;
  const faces = options.faces ?? 3;
  const size = options.faceSize ?? 8;
  const store = new MemoryFeatureStore();
  const videos: CachedVideo[] = [];
  for (const [v, lens] of utterancesPerVideo.entries()) {
    const key = `synthetic-${v}`;
    const w = await store.create(key, `video${v}`);
    for (const t of lens) {
      const data = new Float32Array(mels * t);
      for (let m = 0; m < mels; m++)
        for (let f = 0; f < t; f++) data[m * t + f] = f + m / 100;
      await w.addUtterance({ data, mels, frames: t });
    }
    for (let k = 0; k < faces; k++) {
      await w.addFace({
        data: new Uint8Array(size * size * 3).fill((v * 16 + k) % 256),
        width: size,
        height: size,
      });
    }
    const summary = await w.commit();
    videos.push({
      index: v,
      sourceIndex: v,
      videoId: `video${v}`,
      identity: `id${v % 3}`,
      key,
      summary,
    });
  }
  return { videos, store, configHash: "synthetic" };
}
