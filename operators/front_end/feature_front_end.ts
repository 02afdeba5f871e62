// This module is browser compatible.
import type { LogMelFeatures, RgbFrame } from "../../streams/mod.ts";

/**
 * The front ends the feature cache runs once per video: the log-mel of each
 * utterance and a face crop of each sampled frame. `config` describes them;
 * its hash is part of every cache key, so changing any setting rebuilds the
 * cache. {@linkcode paperFrontEnd} is the paper's; tests and other pipelines
 * can pass their own.
 */
export interface FeatureFrontEnd {
  /** A JSON-serialisable description of every setting that changes the output. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The log-mel (`mels × frames`, dB) of one whole utterance of mono PCM. */
  logMel(pcm: Float32Array, sampleRate: number): LogMelFeatures | Promise<LogMelFeatures>;
  /**
   * The uint8 RGB face crop of a frame (before the [-1, 1] scaling), or null
   * when the frame has no face. `cropped` is true for ready-made face crops
   * (VoxCeleb1's `unzippedFaces`), which are only resized.
   */
  face(frame: RgbFrame, cropped: boolean): RgbFrame | null | Promise<RgbFrame | null>;
}
