// This module is browser compatible.
import type { RgbFrame } from "../decode/av_sample.ts";

/** A log-mel spectrogram as the front end produces it: `mels × frames` row-major, in dB. */
export interface LogMelFeatures {
  data: Float32Array;
  mels: number;
  frames: number;
}

/** What a feature store knows about one stored video, without reading its features. */
export interface FeatureSummary {
  /** The video's id at the time it was stored (informational; the key identifies the content). */
  videoId: string;
  /** Mel bands per frame (0 when the video has no utterance). */
  mels: number;
  /** Frames of each stored utterance, in order. */
  utteranceFrames: number[];
  /** Number of stored face crops. */
  faceCount: number;
  /** Height of every face crop in pixels (0 when there is none). */
  faceHeight: number;
  /** Width of every face crop in pixels (0 when there is none). */
  faceWidth: number;
  /** Bytes the stored features take. */
  bytes: number;
}

/**
 * Receives one video's features as they are computed, so a long video never
 * has to sit in memory whole. Nothing is visible in the store before
 * {@linkcode FeatureWriter.commit}; {@linkcode FeatureWriter.abort} discards
 * everything written.
 */
export interface FeatureWriter {
  /** Appends an utterance's log-mel (quantised on the way in; see the store's docs). */
  addUtterance(logMel: LogMelFeatures): Promise<void>;
  /** Appends a face crop (uint8 RGB, before normalisation); every crop of a video has the same size. */
  addFace(face: RgbFrame): Promise<void>;
  /** Makes the entry visible under its key and returns its summary. */
  commit(): Promise<FeatureSummary>;
  /** Discards the entry. */
  abort(): Promise<void>;
}

/**
 * Where the feature cache keeps each video's front-end output, keyed by
 * content hash + front-end configuration hash. Implemented in memory by
 * {@linkcode MemoryFeatureStore} and on disk by `NodeFeatureStore`
 * (`cmpc-stream/streams/node`).
 *
 * Precision: each utterance's log-mel is stored as uint16, affinely quantised
 * between that utterance's minimum and maximum (an 80 dB range gives a step of
 * 0.0012 dB, so the error is at most 0.0006 dB, far below the 0.01 dB the
 * front end is held to, at half the size of float32). Face crops are stored as
 * the uint8 RGB crops before the (x − 127.5) / 127.5 scaling, which is exact
 * (the paper's crops are uint8 too) and 4× smaller than float32.
 *
 * Reads are random access: the sampler reads one log-mel window and one face
 * per draw, never a whole video.
 */
export interface FeatureStore {
  /** The summary of a stored entry, or undefined when the key is absent. */
  stat(key: string): Promise<FeatureSummary | undefined>;
  /** Starts writing an entry (replacing any entry with the same key on commit). */
  create(key: string, videoId: string): Promise<FeatureWriter>;
  /**
   * Reads `count` frames of an utterance from `start`, dequantised, frame-major
   * (`count × mels`, each frame's mels contiguous).
   * @throws {RangeError} When the key, utterance or frame range does not exist.
   */
  readLogMel(key: string, utterance: number, start: number, count: number): Promise<Float32Array>;
  /**
   * Reads one face crop (`faceHeight × faceWidth × 3` uint8 RGB).
   * @throws {RangeError} When the key or index does not exist.
   */
  readFace(key: string, index: number): Promise<Uint8Array>;
  /** Removes an entry (no error when absent). */
  delete(key: string): Promise<void>;
  /** Every stored key. */
  keys(): Promise<string[]>;
}
