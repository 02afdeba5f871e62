// This module is browser compatible.
/**
 * Decoding with ffmpeg.wasm in a worker: videos to `ReadableStream<AvSample>`,
 * whole audio tracks, many inputs in turn, typed decode errors.
 *
 * @module
 */

// Samples
export { type AvSample, type EncoderPair, type RgbFrame } from "./av_sample.ts";

// Decoding
export { decodeVideo, type DecodeOptions } from "./decode_video.ts";
export { decodeAudio, type AudioChunk, type DecodeAudioOptions } from "./decode_audio.ts";
export { decodeVideos, type DecodeEvent, type DecodeVideosOptions } from "./decode_videos.ts";

// Errors
export { DecodeError, type DecodeErrorReason } from "./decode_error.ts";

// Workers
export { type DecoderOptions, type DecoderWorker, type DecoderWorkerFactory } from "./decoder_worker.ts";
export { webDecoderWorker } from "./web_decoder_worker.ts";
