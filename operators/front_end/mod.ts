// This module is browser compatible.
/**
 * Front-end operators: decoded samples to log-mel utterances, face
 * detections and crops, augmentation, and the feature cache builder.
 *
 * @module
 */

// Voice
export { toUtterances, type ToUtterancesOptions, type Utterance } from "./to_utterances.ts";
export { toLogMel, type LogMelUtterance, type ToLogMelOptions } from "./to_log_mel.ts";

// Faces
export { detectFaces, type DetectFacesOptions, type FaceDetection } from "./detect_faces.ts";
export { cropFaces, type CropFacesOptions, type FaceCropEvent } from "./crop_faces.ts";
export { augmentFaces, type AugmentFacesOptions } from "./augment_faces.ts";

// Feature cache
export { type FeatureFrontEnd, type FrontEndVideo } from "./feature_front_end.ts";
export { paperFrontEnd, type PaperFrontEndOptions } from "./paper_front_end.ts";
export {
  buildFeatureCache,
  type BuildFeatureCacheOptions,
  type CacheEvent,
  type StoredFeature,
} from "./build_feature_cache.ts";
