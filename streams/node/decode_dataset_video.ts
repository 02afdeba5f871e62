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
  let decoded = decodeVideo(fileSource(video.path, video.videoId), options);
  if (fallback.videoWithoutAudio === true) decoded = framesWhenNoAudio(video, decoded, options);
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
  /**
   * A file with no audio stream (a silent screen recording, a video whose
   * audio was stripped) gives samples with empty audio clips (its frames
   * alone, decoded with `{audio: false}`) instead of failing with a
   * `no-audio` DecodeError: for callers that need only the faces.
   * @default false
   */
  videoWithoutAudio?: boolean;
}

/** `decoded`, or, when it fails with `no-audio` before its first sample, the file's frames alone. */
function framesWhenNoAudio(
  video: DatasetVideo,
  decoded: ReadableStream<AvSample>,
  options: DecodeOptions,
): ReadableStream<AvSample> {
  return fallBackBeforeFirstSample(
    decoded,
    (e) => e.reason === "no-audio",
    () => readerOf(decodeVideo(fileSource(video.path, video.videoId), { ...options, audio: false })),
  );
}

/** A pull-based reader of samples (null at the end). */
interface SampleReader {
  read: () => Promise<AvSample | null>;
  cancel: (reason?: unknown) => Promise<void>;
}

/** A {@linkcode SampleReader} of a stream of samples. */
function readerOf(stream: ReadableStream<AvSample>): SampleReader {
  const reader = stream.getReader();
  return {
    read: async () => {
      const r = await reader.read();
      return r.done ? null : r.value;
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

/** `decoded`, or, when it fails before its first sample with a DecodeError that `when` accepts, `instead()`'s samples. */
function fallBackBeforeFirstSample(
  decoded: ReadableStream<AvSample>,
  when: (e: DecodeError) => boolean,
  instead: () => SampleReader,
): ReadableStream<AvSample> {
  let current = readerOf(decoded);
  let started = false;
  return new ReadableStream<AvSample>(
    {
      async pull(controller): Promise<void> {
        let sample: AvSample | null;
        try {
          sample = await current.read();
        } catch (e) {
          if (started || !(e instanceof DecodeError) || !when(e)) throw e;
          started = true;
          current = instead();
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

/** `decoded`, or, when it fails with `no-video` before its first sample, the file's audio as frame-less samples. */
function audioWhenNoVideo(
  video: DatasetVideo,
  decoded: ReadableStream<AvSample>,
  options: DecodeOptions,
): ReadableStream<AvSample> {
  // No video stream, or one ffmpeg.wasm cannot decode (decodeAudio then says
  // whether the audio decodes: an unsupported audio codec fails there too).
  return fallBackBeforeFirstSample(
    decoded,
    (e) => e.reason === "no-video" || e.reason === "unsupported-codec",
    () => {
      const {
        fps: _fps,
        audioSecondsPerSample: _a,
        highWaterMark: _h,
        windowSeconds: _w,
        audio: _audio,
        ...decoder
      } = options;
      const chunks = decodeAudio(fileSource(video.path, video.videoId), { ...decoder, windowSeconds: 1 }).getReader();
      return {
        read: async () => {
          const c = await chunks.read();
          return c.done ? null : { ...c.value, frame: null };
        },
        cancel: (reason) => chunks.cancel(reason),
      };
    },
  );
}
