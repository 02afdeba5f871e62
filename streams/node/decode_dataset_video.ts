import type { AvSample } from "../decode/av_sample.ts";
import type { DatasetVideo } from "../formats/dataset_video.ts";
import { decodeAudio } from "../decode/decode_audio.ts";
import { DecodeError } from "../decode/decode_error.ts";
import { decodeVideo, type DecodeOptions } from "../decode/decode_video.ts";
import { fileSource } from "./file_source.ts";
import { voxceleb1Samples } from "./voxceleb1_samples.ts";

/**
 * Decodes any dataset video from `videoFolderSource` or `voxceleb1Source` in
 * Node: a video file through `decodeVideo(fileSource(path), options)`
 * (ffmpeg.wasm in a worker), a VoxCeleb1 instance through
 * `voxceleb1Samples` (whole wav utterances, then the jpg face crops; decode
 * options do not apply). The `decode` function `buildFeatureCache` needs.
 *
 * @example
 * ```ts
 * import { buildFeatureCache, type FeatureFrontEnd } from "cmpc-stream/operators";
 * import type { DatasetVideo } from "cmpc-stream/streams";
 * import { datasetVideoBytes, decodeDatasetVideo, NodeFeatureStore } from "cmpc-stream/streams/node";
 * declare const videos: DatasetVideo[];
 * declare const frontEnd: FeatureFrontEnd; // paperFrontEnd(...)
 * const events = buildFeatureCache(videos, {
 *   store: await NodeFeatureStore.open("cache"), frontEnd, readBytes: datasetVideoBytes, decode: decodeDatasetVideo,
 * });
 * ```
 */
export function decodeDatasetVideo(
  video: DatasetVideo,
  options: DecodeOptions = {},
  fallback: DecodeDatasetVideoFallback = {},
): ReadableStream<AvSample> {
  if (video.utterances !== undefined) return voxceleb1Samples(video);
  const decoded = decodeVideo(fileSource(video.path, video.videoId), options);
  return fallback.audioWithoutVideo === true ? audioWhenNoVideo(video, decoded, options) : decoded;
}

/** What {@linkcode decodeDatasetVideo} does with a file that lacks a stream. */
export interface DecodeDatasetVideoFallback {
  /**
   * A file with no video stream (an .m4a, .mp3, .flac, a video container
   * with audio only), or with a video stream that ffmpeg.wasm cannot decode
   * (a 1×1 MPEG-1 video), gives audio-only samples (`frame: null`, one per
   * second) instead of failing with a `no-video` DecodeError: for callers
   * that need only the voice.
   * @default false
   */
  audioWithoutVideo?: boolean;
}

/** `decoded`, or, when it fails with `no-video` before its first sample, the file's audio as frame-less samples. */
function audioWhenNoVideo(
  video: DatasetVideo,
  decoded: ReadableStream<AvSample>,
  options: DecodeOptions,
): ReadableStream<AvSample> {
  const first = decoded.getReader();
  let current: { read: () => Promise<AvSample | null>; cancel: (reason?: unknown) => Promise<void> } = {
    read: async () => {
      const r = await first.read();
      return r.done ? null : r.value;
    },
    cancel: (reason) => first.cancel(reason),
  };
  let started = false;
  const audioOnly = (): typeof current => {
    const { fps: _fps, audioSecondsPerSample: _a, highWaterMark: _h, windowSeconds: _w, ...decoder } = options;
    const chunks = decodeAudio(fileSource(video.path, video.videoId), { ...decoder, windowSeconds: 1 }).getReader();
    return {
      read: async () => {
        const c = await chunks.read();
        return c.done ? null : { ...c.value, frame: null };
      },
      cancel: (reason) => chunks.cancel(reason),
    };
  };
  return new ReadableStream<AvSample>(
    {
      async pull(controller): Promise<void> {
        let sample: AvSample | null;
        try {
          sample = await current.read();
        } catch (e) {
          // No video stream, or one ffmpeg.wasm cannot decode (decodeAudio then says
          // whether the audio decodes: an unsupported audio codec fails there too).
          if (started || !(e instanceof DecodeError) || (e.reason !== "no-video" && e.reason !== "unsupported-codec"))
            throw e;
          started = true;
          current = audioOnly();
          sample = await current.read();
        }
        started = true;
        if (sample === null) controller.close();
        else controller.enqueue(sample);
      },
      cancel: (reason) => current.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
