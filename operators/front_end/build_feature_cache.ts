// This module is browser compatible.
import { Observable, Subject } from "rxjs";
import {
  contentHash,
  type AvSample,
  type CachedVideo,
  type DatasetVideo,
  type FeatureCache,
  type FeatureStore,
  type FeatureSummary,
  type FeatureWriter,
  type LogMelFeatures,
  type RgbFrame,
} from "../../streams/mod.ts";
import type { FeatureFrontEnd } from "./feature_front_end.ts";

/** Options for {@linkcode buildFeatureCache}. */
export interface BuildFeatureCacheOptions {
  /** Where features go (`MemoryFeatureStore`, or `NodeFeatureStore` on disk). */
  store: FeatureStore;
  /** The front ends (`paperFrontEnd(...)`); their `config` is part of the key. */
  frontEnd: FeatureFrontEnd;
  /** The bytes that identify a video's content (Node: `datasetVideoBytes`). */
  readBytes: (video: DatasetVideo) => ReadableStream<Uint8Array> | Uint8Array | Promise<Uint8Array>;
  /**
   * Decodes a video into samples (Node: `decodeDatasetVideo`). Called only for
   * videos not in the cache. For instances that list `utterances`, each
   * sample with audio is one whole utterance and each frame a ready-made crop.
   */
  decode: (video: DatasetVideo, settings: { fps: number; sampleRate: number }) => ReadableStream<AvSample>;
  /**
   * `"skip"`: a video that fails (corrupt, no audio, no face found) is
   * reported with a `skip` event and left out while the rest go on;
   * `"fail"`: the first failure errors the Observable.
   * @default "skip"
   */
  onError?: "skip" | "fail";
  /**
   * What each video must yield to count as cached: by default both an
   * utterance and a face crop (what training needs). Inference that wants
   * only voices passes `{ voice: true, face: false }` for a video, so one
   * with no face (or no video frames at all) is kept with `faceCount` 0
   * rather than skipped. A cached entry is checked against this too.
   * @default () => ({ voice: true, face: true })
   */
  needs?: (video: DatasetVideo) => { voice: boolean; face: boolean };
  /**
   * Face frames per second taken from raw videos (the paper's crops are about 1 per second).
   * @default 1
   */
  fps?: number;
  /**
   * Longest utterance of a continuous video, in seconds: its audio is cut
   * into segments of at most this length (the last two share the rest
   * equally, so there is no tiny tail), each an utterance with its own 80 dB floor.
   * @default 10
   */
  utteranceSeconds?: number;
  /**
   * Rebuild every entry even when the store has it.
   * @default false
   */
  force?: boolean;
  /**
   * Emit a `progress` event each time this many more seconds of a video's
   * audio have been decoded (long videos); 0 or Infinity turns them off.
   * @default 60
   */
  progressSeconds?: number;
  /**
   * Called with each feature of a video being built as soon as it is
   * stored, in order, and awaited before the next sample is decoded: to use
   * a long video's features while it decodes (`cmpc embed` streams the
   * embeddings of an hour-long video this way). Not called for a video found
   * in the store (read its features from the store after its `video` event).
   * A throw fails the video as a decode error does.
   */
  onFeature?: (video: DatasetVideo, feature: StoredFeature) => void | Promise<void>;
}

/** A feature {@linkcode buildFeatureCache} has just stored: an utterance's log-mel or a face crop, numbered from 0 per video. */
export type StoredFeature =
  { type: "utterance"; index: number; logMel: LogMelFeatures } | { type: "face"; index: number; crop: RgbFrame };

/** What {@linkcode buildFeatureCache} reports. `done` counts videos finished (built, cached or skipped). */
export type CacheEvent =
  | { type: "start"; total: number; configHash: string }
  | {
      type: "video";
      status: "built" | "cached";
      video: DatasetVideo;
      key: string;
      summary: FeatureSummary;
      /** Frames without a face (built only). */
      faceMisses: number;
      /** Seconds spent on this video (hashing, and decoding when built). */
      seconds: number;
      done: number;
      total: number;
    }
  | {
      type: "progress";
      video: DatasetVideo;
      /** Seconds of audio decoded so far from this video (every `progressSeconds`). */
      mediaSeconds: number;
      done: number;
      total: number;
    }
  | {
      type: "skip";
      video: DatasetVideo;
      error: Error;
      done: number;
      total: number;
    }
  | {
      type: "done";
      cache: FeatureCache;
      built: number;
      cached: number;
      skipped: number;
      seconds: number;
    };

/**
 * Builds (or reuses) the feature cache of a list of videos: for each, the
 * content hash of its bytes plus the front-end configuration hash make the
 * key; a video whose key is in the store is not decoded again; otherwise it
 * is decoded once, its audio cut into utterances (log-mel each) and its
 * frames cropped to faces, and the features are streamed into the store.
 * Videos are processed one at a time, each sample pulled from the decoder
 * only after the previous one is stored, so memory stays at about two
 * utterances plus one frame whatever the video's length. A video that fails
 * is reported and skipped (or fails the build with `onError: "fail"`); a
 * video with no utterance or no face crop counts as failed, unless `needs`
 * says the video needs only one of them.
 *
 * The last event carries the {@linkcode FeatureCache} for `samplePairs`:
 * its videos are the successful ones in source order, re-indexed 0..n−1
 * (`sourceIndex` keeps the source position). Unsubscribing cancels the
 * current decode and discards its partial entry.
 *
 * @example
 * ```ts
 * import type { FaceDetector } from "cmpc-stream/models";
 * import { buildFeatureCache, paperFrontEnd } from "cmpc-stream/operators";
 * import { videoFolderSource, datasetVideoBytes, decodeDatasetVideo, NodeFeatureStore } from "cmpc-stream/streams/node";
 * declare const detector: FaceDetector;
 * const videos = await videoFolderSource("clips", { manifest: "clips/manifest.csv" });
 * buildFeatureCache(videos, {
 *   store: await NodeFeatureStore.open("cache"), frontEnd: paperFrontEnd({ detector }),
 *   readBytes: datasetVideoBytes, decode: decodeDatasetVideo,
 * }).subscribe((e) => {
 *   if (e.type === "video") console.error(`${e.done}/${e.total} ${e.video.videoId} ${e.status}`);
 *   if (e.type === "skip") console.error(`skipped: ${e.error.message}`);
 * });
 * ```
 */
export function buildFeatureCache(
  videos: readonly DatasetVideo[],
  options: BuildFeatureCacheOptions,
): Observable<CacheEvent> {
  return new Observable<CacheEvent>((subscriber) => {
    let closed = false;
    let cancelCurrent: (() => Promise<void>) | null = null;
    const run = async (): Promise<void> => {
      const fps = options.fps ?? 1;
      const utteranceSeconds = options.utteranceSeconds ?? 10;
      if (!(fps > 0 && Number.isFinite(fps)))
        throw new RangeError(`Cannot build the feature cache: fps must be positive, got ${fps}`);
      if (!(utteranceSeconds > 0 && Number.isFinite(utteranceSeconds))) {
        throw new RangeError(
          `Cannot build the feature cache: utteranceSeconds must be positive, got ${utteranceSeconds}`,
        );
      }
      const started = Date.now();
      const configHash = (
        await contentHash(
          new TextEncoder().encode(
            canonicalJson({
              version: 1,
              frontEnd: options.frontEnd.config,
              fps,
              utteranceSeconds,
            }),
          ),
        )
      ).slice(0, 16);
      const total = videos.length;
      subscriber.next({ type: "start", total, configHash });
      const cached: CachedVideo[] = [];
      let built = 0;
      let reused = 0;
      let skipped = 0;
      for (const video of videos) {
        if (closed) return;
        const t0 = Date.now();
        try {
          const bytes = await options.readBytes(video);
          const key = `${await contentHash(bytes)}-${configHash}`;
          let summary = options.force === true ? undefined : await options.store.stat(key);
          if (summary !== undefined) lacking(video, summary, needsOf(video), "its cached features have");
          let status: "built" | "cached" = "cached";
          let faceMisses = 0;
          if (summary === undefined) {
            const doneSoFar = built + reused + skipped;
            const onProgress = (mediaSeconds: number): void => {
              if (!closed) {
                subscriber.next({
                  type: "progress",
                  video,
                  mediaSeconds,
                  done: doneSoFar,
                  total,
                });
              }
            };
            const result = await buildOne(video, key, options, { fps, utteranceSeconds, onProgress }, (cancel) => {
              cancelCurrent = cancel;
            });
            cancelCurrent = null;
            if (closed) return;
            summary = result.summary;
            faceMisses = result.faceMisses;
            status = "built";
            built++;
          } else {
            reused++;
          }
          cached.push({
            index: cached.length,
            sourceIndex: video.index,
            videoId: video.videoId,
            identity: video.identity,
            key,
            summary,
          });
          const done = built + reused + skipped;
          subscriber.next({
            type: "video",
            status,
            video,
            key,
            summary,
            faceMisses,
            seconds: (Date.now() - t0) / 1000,
            done,
            total,
          });
        } catch (e) {
          cancelCurrent = null;
          if (closed) return;
          const error = e instanceof Error ? e : new Error(String(e));
          if (options.onError === "fail") throw error;
          skipped++;
          subscriber.next({
            type: "skip",
            video,
            error,
            done: built + reused + skipped,
            total,
          });
        }
      }
      subscriber.next({
        type: "done",
        cache: { videos: cached, store: options.store, configHash },
        built,
        cached: reused,
        skipped,
        seconds: (Date.now() - started) / 1000,
      });
    };
    const needsOf = options.needs ?? (() => ({ voice: true, face: true }));
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
      const cancel = cancelCurrent;
      cancelCurrent = null;
      if (cancel !== null) void cancel().catch(() => undefined);
    };
  });
}

async function buildOne(
  video: DatasetVideo,
  key: string,
  options: BuildFeatureCacheOptions,
  settings: {
    fps: number;
    utteranceSeconds: number;
    onProgress: (mediaSeconds: number) => void;
  },
  onCancel: (cancel: () => Promise<void>) => void,
): Promise<{ summary: FeatureSummary; faceMisses: number }> {
  const presegmented = video.utterances !== undefined;
  const frontEndVideo = { presegmented, utteranceSeconds: settings.utteranceSeconds };
  const writer: FeatureWriter = await options.store.create(key, video.videoId);
  const stream = options.decode(video, {
    fps: settings.fps,
    sampleRate: 16000,
  });
  const reader = stream.getReader();
  let aborted = false;
  const abort = async (): Promise<void> => {
    if (aborted) return;
    aborted = true;
    await Promise.allSettled([reader.cancel(), writer.abort()]);
  };
  onCancel(abort);
  let utterances = 0;
  let faces = 0;
  let faceMisses = 0;
  let frames = 0;
  let audioSeconds = 0;
  const every = options.progressSeconds ?? 60;
  let nextProgress = every > 0 ? every : Infinity;

  // The front-end operators run on this video's samples, pushed one at a time:
  // the next sample is read only after the previous one's features are stored.
  const samples = new Subject<AvSample>();
  const withFrames = new Subject<AvSample>();
  let writes: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  const fail = (error: unknown): void => {
    failure ??= { error };
  };
  const write = (task: () => Promise<void>): void => {
    writes = writes.then(() => (failure === null ? task() : undefined)).catch(fail);
  };
  let faceEvents = 0;
  let faceWaiter: (() => void) | null = null;
  const voiceDone = new Promise<void>((resolve) => {
    samples.pipe(options.frontEnd.voice(frontEndVideo)).subscribe({
      next: (lm) => {
        write(async () => {
          await writer.addUtterance(lm);
          await options.onFeature?.(video, { type: "utterance", index: utterances, logMel: lm });
          utterances++;
        });
      },
      error: (e: unknown) => {
        fail(e);
        resolve();
      },
      complete: resolve,
    });
  });
  const facesDone = new Promise<void>((resolve) => {
    withFrames.pipe(options.frontEnd.faces(frontEndVideo)).subscribe({
      next: (crop) => {
        faceEvents++;
        if (crop === null) faceMisses++;
        else {
          write(async () => {
            await writer.addFace(crop);
            await options.onFeature?.(video, { type: "face", index: faces, crop });
            faces++;
          });
        }
        faceWaiter?.();
      },
      error: (e: unknown) => {
        fail(e);
        faceWaiter?.();
        resolve();
      },
      complete: resolve,
    });
  });
  const check = (): void => {
    if (failure !== null) throw failure.error;
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (aborted) throw new Error(`Cannot cache "${video.videoId}": cancelled`);
      if (value.audio.length > 0) {
        audioSeconds += value.audio.length / value.sampleRate;
        if (audioSeconds >= nextProgress) {
          settings.onProgress(audioSeconds);
          nextProgress = (Math.floor(audioSeconds / every) + 1) * every;
        }
      }
      samples.next(value);
      if (value.frame !== null) {
        frames++;
        const want = frames;
        const answered = new Promise<void>((resolve) => {
          faceWaiter = resolve;
        });
        withFrames.next(value);
        if (faceEvents < want && failure === null) await answered;
        faceWaiter = null;
      }
      await writes;
      check();
    }
    samples.complete();
    withFrames.complete();
    await Promise.all([voiceDone, facesDone]);
    await writes;
    check();
    const needs = options.needs?.(video) ?? { voice: true, face: true };
    if (utterances === 0 && (needs.voice || faces === 0))
      throw new RangeError(
        `Cannot cache "${video.videoId}": ${audioSeconds === 0 ? "it has no audio" : `its ${audioSeconds.toFixed(2)} s of audio gave no utterance`}`,
      );
    if (faces === 0 && needs.face) {
      throw new RangeError(
        `Cannot cache "${video.videoId}": ${frames === 0 ? "it has no video frames" : `no face found in ${frames} frame${frames === 1 ? "" : "s"}`}`,
      );
    }
    const summary = await writer.commit();
    aborted = true;
    return { summary, faceMisses };
  } catch (e) {
    samples.complete();
    withFrames.complete();
    await abort();
    throw e;
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Throws when a cached entry lacks what the video needs (an entry cached for voices only, read for training). */
function lacking(
  video: DatasetVideo,
  summary: FeatureSummary,
  needs: { voice: boolean; face: boolean },
  what: string,
): void {
  if (needs.voice && summary.utteranceFrames.length === 0)
    throw new RangeError(`Cannot cache "${video.videoId}": it has no audio (${what} no utterance)`);
  if (needs.face && summary.faceCount === 0)
    throw new RangeError(`Cannot cache "${video.videoId}": no face found (${what} no face crop)`);
}
