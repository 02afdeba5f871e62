// This module is browser compatible.
import { Observable } from "rxjs";
import { Rng, type RngState } from "../../models/mod.ts";
import {
  faceCropFromStore,
  logMelWindowFromStore,
  type CachedVideo,
  type EncoderPair,
  type FeatureCache,
} from "../../streams/mod.ts";

/** Where a sampled pair came from, with the generator state right after its draw. */
export interface PairDraw {
  /** The cached video's id. */
  videoId: string;
  /** Utterance index within the video. */
  utterance: number;
  /** First frame of the window in the padded utterance's coordinates (0 dB frames added on the left counted in `padLeft`). */
  start: number;
  /** 0 dB frames added on the left (and `padRight` on the right) when the utterance is shorter than the window. */
  padLeft: number;
  padRight: number;
  /** Face crop index within the video. */
  face: number;
  /** The Rng state after this pair's draw (random mode): restore it with `Rng.fromState` to continue right after this pair. */
  rngState: RngState | null;
}

/** An {@linkcode EncoderPair} as {@linkcode samplePairs} delivers it, with its provenance. */
export interface SampledPair extends EncoderPair {
  draw: PairDraw;
}

/** Options for {@linkcode samplePairs}. */
export interface SamplePairsOptions {
  /**
   * `"random"`: the paper's training sampler, forever (video uniform with
   * replacement, then a random utterance, window and face).
   * `"sequential"`: every video in order, each utterance cut into consecutive
   * windows (the last one aligned to the utterance's end; a short utterance
   * gives one padded window), the k-th window of a video paired with face
   * k mod faceCount; then completes. For inference and evaluation.
   * @default "random"
   */
  mode?: "random" | "sequential";
  /**
   * Seed of a new generator (ignored when `rng` is given).
   * @default 0
   */
  seed?: number;
  /**
   * The generator to draw from, advanced in place. Restore a checkpoint with
   * `Rng.fromState(pair.draw.rngState)` of the last consumed pair to resume
   * exactly.
   * @default new Rng(seed)
   */
  rng?: Rng;
  /**
   * Log-mel frames per window (500 = 5 s in the paper's preset).
   * @default 500
   */
  windowFrames?: number;
  /**
   * Credits: each emitted number lets the sampler deliver that many more pairs;
   * nothing is read or drawn without credit. When `demand` completes the
   * output completes once the credit is spent. Without `demand` the sampler
   * is pull-on-return (see {@linkcode samplePairs}).
   * @default undefined
   */
  demand?: Observable<number>;
  /**
   * Stop after this many pairs.
   * @default Infinity
   */
  count?: number;
}

/**
 * The paper's training sampler over a built {@linkcode FeatureCache}: an
 * Observable of encoder-ready pairs. Random mode draws, per pair and in this
 * order from one seeded {@linkcode Rng}: a video index uniform with
 * replacement, one of its utterances, a window of `windowFrames` log-mel
 * frames and one face crop of the same video (not time-synchronised). An
 * utterance shorter than the window is padded with 0 dB exactly as the
 * official loader did: ⌊(W − T + 1)/2⌋ frames on each side, then a random
 * start in the padded utterance (so an odd shortfall puts the extra frame on
 * either side). Faces are scaled to (x − 127.5)/127.5.
 *
 * Backpressure: each pair is read from the store only when it may be
 * delivered, one at a time. With `demand`, exactly as many pairs as credited
 * are drawn and delivered (use it with asynchronous consumers such as
 * `concatMap` over a training step). Without it, the next pair is drawn only
 * after the previous `subscriber.next()` returned, which paces synchronous
 * consumers; the loop yields to the event loop every 256 pairs. The Rng is
 * never advanced ahead of delivery, so `rng.state()` (or the last pair's
 * `draw.rngState`) resumes exactly. Errors (a store read failing, a video
 * with no utterance or face) go to the error channel; unsubscribing stops the
 * loop.
 *
 * `videoIndex` is the cached video's `index` (its memory-bank slot).
 *
 * @example
 * ```ts
 * import { take } from "rxjs";
 * import { samplePairs } from "cmpc-stream/operators";
 * import type { FeatureCache } from "cmpc-stream/streams";
 * declare const cache: FeatureCache;
 * samplePairs(cache, { seed: 1, windowFrames: 500 })
 *   .pipe(take(3))
 *   .subscribe((p) => console.log(p.videoIndex, p.logMel.frames, p.face.width)); // e.g. 17 500 224
 * ```
 */
export function samplePairs(cache: FeatureCache, options: SamplePairsOptions = {}): Observable<SampledPair> {
  return new Observable<SampledPair>((subscriber) => {
    const mode = options.mode ?? "random";
    const windowFrames = options.windowFrames ?? 500;
    const count = options.count ?? Infinity;
    let closed = false;
    let credit = options.demand === undefined ? Infinity : 0;
    let demandDone = false;
    let wake: (() => void) | null = null;
    const poke = (): void => {
      const w = wake;
      wake = null;
      w?.();
    };
    const demandSub = options.demand?.subscribe({
      next: (n) => {
        if (!(Number.isInteger(n) && n >= 0)) {
          subscriber.error(new RangeError(`Cannot sample pairs: demand must be a non-negative integer, got ${n}`));
          return;
        }
        credit += n;
        poke();
      },
      error: (e: unknown) => {
        subscriber.error(e);
      },
      complete: () => {
        demandDone = true;
        poke();
      },
    });
    const run = async (): Promise<void> => {
      if (!(Number.isInteger(windowFrames) && windowFrames > 0)) {
        throw new RangeError(`Cannot sample pairs: windowFrames must be a positive integer, got ${windowFrames}`);
      }
      if (mode !== "random" && mode !== "sequential")
        throw new TypeError(`Cannot sample pairs: unknown mode "${String(mode)}"`);
      const videos = cache.videos;
      if (videos.length === 0) throw new RangeError("Cannot sample pairs: the feature cache has no videos");
      for (const v of videos) {
        if (v.summary.utteranceFrames.length === 0 || v.summary.faceCount === 0) {
          throw new RangeError(
            `Cannot sample pairs from "${v.videoId}": it has ${v.summary.utteranceFrames.length} utterances and ${v.summary.faceCount} faces`,
          );
        }
      }
      const plan =
        mode === "random"
          ? randomPlan(videos, windowFrames, options.rng ?? new Rng(options.seed ?? 0))
          : sequentialPlan(videos, windowFrames);
      let delivered = 0;
      if (!(count > 0)) return;
      // Wait for credit first, then draw: nothing is drawn (and the rng does not move) without credit.
      const draws = plan[Symbol.iterator]();
      for (;;) {
        if (closed) return;
        while (credit <= 0) {
          if (demandDone) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          if (closed) return;
        }
        const next = draws.next();
        if (next.done === true) return;
        const draw = next.value;
        credit--;
        const pair = await readPair(cache, draw, windowFrames);
        if (closed) return;
        subscriber.next(pair);
        if (++delivered >= count) return;
        if (delivered % 256 === 0) await new Promise((r) => setTimeout(r, 0));
      }
    };
    run().then(
      () => {
        subscriber.complete();
      },
      (e: unknown) => {
        subscriber.error(e);
      },
    );
    return () => {
      closed = true;
      demandSub?.unsubscribe();
      poke();
    };
  });
}

interface PlannedDraw {
  video: CachedVideo;
  utterance: number;
  /** Frame of the utterance where reading starts, and how many are read. */
  readStart: number;
  readCount: number;
  padLeft: number;
  padRight: number;
  start: number;
  face: number;
  rngState: RngState | null;
}

function* randomPlan(videos: CachedVideo[], w: number, rng: Rng): Generator<PlannedDraw> {
  for (;;) {
    const video = videos[rng.int(videos.length)]!;
    const frames = video.summary.utteranceFrames;
    const utterance = rng.int(frames.length);
    const t = frames[utterance]!;
    let readStart: number;
    let padLeft = 0;
    let padRight = 0;
    let start: number;
    if (t >= w) {
      start = rng.int(t - w + 1);
      readStart = start;
    } else {
      // The official load_voice: pad ⌊(W − T + 1)/2⌋ zeros each side, then a random start.
      const shortage = Math.floor((w - t + 1) / 2);
      start = rng.int(t + 2 * shortage - w + 1);
      readStart = 0;
      padLeft = shortage - start;
      padRight = w - t - padLeft;
    }
    const face = rng.int(video.summary.faceCount);
    yield {
      video,
      utterance,
      readStart,
      readCount: Math.min(t, w),
      padLeft,
      padRight,
      start,
      face,
      rngState: rng.state(),
    };
  }
}

function* sequentialPlan(videos: CachedVideo[], w: number): Generator<PlannedDraw> {
  for (const video of videos) {
    let k = 0;
    for (const [utterance, t] of video.summary.utteranceFrames.entries()) {
      const starts: number[] = [];
      if (t <= w) starts.push(0);
      else {
        for (let s = 0; s + w <= t; s += w) starts.push(s);
        if (t % w !== 0) starts.push(t - w);
      }
      for (const s of starts) {
        const padLeft = t < w ? Math.floor((w - t) / 2) : 0;
        const padRight = t < w ? w - t - padLeft : 0;
        const face = k++ % video.summary.faceCount;
        yield {
          video,
          utterance,
          readStart: s,
          readCount: Math.min(t, w),
          padLeft,
          padRight,
          start: s,
          face,
          rngState: null,
        };
      }
    }
  }
}

async function readPair(cache: FeatureCache, d: PlannedDraw, w: number): Promise<SampledPair> {
  const { video } = d;
  const { mels, faceHeight, faceWidth } = video.summary;
  const [frames, face] = await Promise.all([
    cache.store.readLogMel(video.key, d.utterance, d.readStart, d.readCount),
    cache.store.readFace(video.key, d.face),
  ]);
  return {
    videoIndex: video.index,
    // Frame-major (count × mels) → mels × w, 0 dB outside the utterance.
    logMel: logMelWindowFromStore(frames, mels, w, d.padLeft),
    face: faceCropFromStore(face, faceHeight, faceWidth),
    draw: {
      videoId: video.videoId,
      utterance: d.utterance,
      start: d.start,
      padLeft: d.padLeft,
      padRight: d.padRight,
      face: d.face,
      rngState: d.rngState,
    },
  };
}
