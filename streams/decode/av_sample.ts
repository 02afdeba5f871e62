// This module is browser compatible.

/** An RGB image: `data` is height × width × 3 bytes, row-major, interleaved. */
export interface RgbFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * One decoded moment of a talking-face video: a clip of audio and one video
 * frame, as the decoders in `streams/` produce them.
 */
export interface AvSample {
  /** Identifies the source video (its file name, URL or a caller-given id). */
  videoId: string;
  /** Start time of the sample in seconds from the start of the video. */
  t: number;
  /** Mono PCM at {@linkcode AvSample.sampleRate} Hz, float in [-1, 1]. */
  audio: Float32Array;
  /** Audio sample rate in Hz (16,000 unless a decoder was told otherwise). */
  sampleRate: number;
  /** The video frame at time `t`, or null for audio-only samples. */
  frame: RgbFrame | null;
}

/**
 * An encoder-ready training or inference pair: typed arrays plus shapes, no
 * tensors, so it crosses workers and folders freely.
 */
export interface EncoderPair {
  /** The video's position in the sorted source list (its memory-bank slot). */
  videoIndex: number;
  /** A log-mel window, `mels × frames` row-major, in dB. */
  logMel: { data: Float32Array; mels: number; frames: number };
  /** A face crop, `height × width × 3` row-major, scaled to [-1, 1]. */
  face: { data: Float32Array; height: number; width: number };
}
