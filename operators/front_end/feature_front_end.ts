// This module is browser compatible.
import type { OperatorFunction } from "rxjs";
import type { AvSample, LogMelFeatures, RgbFrame } from "../../streams/mod.ts";

/** How one video's samples come, as {@linkcode FeatureFrontEnd}'s operators are told. */
export interface FrontEndVideo {
  /**
   * True for data sets that list their utterances and face crops
   * (VoxCeleb1's wav + unzippedFaces): each sample with audio is one whole
   * utterance and each frame a ready-made face crop (only resized).
   */
  presegmented: boolean;
  /**
   * Longest utterance of a continuous video in seconds; its audio is cut as
   * {@linkcode toLogMel} cuts it (the last two share the rest equally).
   */
  utteranceSeconds: number;
}

/**
 * The front ends the feature cache runs once per video, as operators on the
 * video's decoded samples: the log-mel of each utterance, and one face event
 * per frame. `config` describes them; its hash is part of every cache key,
 * so changing any setting rebuilds the cache. {@linkcode paperFrontEnd} is
 * the paper's (built from `toLogMel`, `detectFaces` and `cropFaces`); tests
 * and other pipelines can pass their own.
 */
export interface FeatureFrontEnd {
  /** A JSON-serialisable description of every setting that changes the output. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Samples of one video → the log-mel (`mels × frames`, dB) of each utterance, in order. */
  voice(video: FrontEndVideo): OperatorFunction<AvSample, LogMelFeatures>;
  /**
   * Samples of one video that have a frame → exactly one event per sample, in
   * order: the uint8 RGB face crop (before the [−1, 1] scaling), or null when
   * the frame has no face.
   */
  faces(video: FrontEndVideo): OperatorFunction<AvSample, RgbFrame | null>;
}
