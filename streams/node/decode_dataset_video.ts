import type { AvSample } from "../decode/av_sample.ts";
import type { DatasetVideo } from "../formats/dataset_video.ts";
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
export function decodeDatasetVideo(video: DatasetVideo, options: DecodeOptions = {}): ReadableStream<AvSample> {
  if (video.utterances !== undefined) return voxceleb1Samples(video);
  return decodeVideo(fileSource(video.path, video.videoId), options);
}
