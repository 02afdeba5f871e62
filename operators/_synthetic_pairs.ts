// This module is browser compatible.
/**
 * Deterministic synthetic {@linkcode EncoderPair}s for tests and benchmarks:
 * pair `i` of a stream depends only on (seed, i), so a stream can restart
 * at any sample and repeat exactly. Each video has a hidden identity vector
 * that both its log-mel and its face are (noisy) projections of, so the
 * cross-modal loss can fall.
 *
 * @module
 */
import { Observable } from "rxjs";
import { Rng } from "../models/mod.ts";
import type { EncoderPair } from "../streams/mod.ts";

export interface SyntheticPairsOptions {
  videos: number;
  mels: number;
  frames: number;
  faceSize: number;
  seed?: number;
  /** First sample index (to restart a stream mid-way). */
  start?: number;
  /** Number of pairs; Infinity for an endless stream. */
  count?: number;
  /** Draw each pair's video from this generator (a sampler sharing the run's Rng) instead of from (seed, i). */
  rng?: Rng;
}

const LATENT = 6;

export function syntheticPairs(
  options: SyntheticPairsOptions,
): Observable<EncoderPair> {
  const seed = options.seed ?? 0;
  const { videos, mels, frames, faceSize } = options;
  const base = new Rng(seed);
  const ids = Array.from({ length: videos }, () => base.normalArray(LATENT));
  const voiceProj = base.normalArray(mels * LATENT);
  const faceProj = base.normalArray(3 * LATENT);
  const start = options.start ?? 0;
  const end = start + (options.count ?? Infinity);
  return new Observable<EncoderPair>((subscriber) => {
    for (let i = start; i < end && !subscriber.closed; i++) {
      const rng = new Rng((seed * 7919 + i * 104729) >>> 0);
      const videoIndex = (options.rng ?? rng).int(videos);
      const z = ids[videoIndex]!;
      const logMel = new Float32Array(mels * frames);
      for (let m = 0; m < mels; m++) {
        let s = 0;
        for (let k = 0; k < LATENT; k++)
          s += voiceProj[m * LATENT + k]! * z[k]!;
        for (let t = 0; t < frames; t++)
          logMel[m * frames + t] = s + 0.5 * rng.normal();
      }
      const face = new Float32Array(faceSize * faceSize * 3);
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < LATENT; k++) s += faceProj[c * LATENT + k]! * z[k]!;
        for (let p = 0; p < faceSize * faceSize; p++)
          face[p * 3 + c] = Math.tanh(0.3 * s + 0.2 * rng.normal());
      }
      subscriber.next({
        videoIndex,
        logMel: { data: logMel, mels, frames },
        face: { data: face, height: faceSize, width: faceSize },
      });
    }
    subscriber.complete();
  });
}
