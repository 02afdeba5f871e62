// This module is browser compatible.
/**
 * File formats: WAV, JPEG, manifest CSVs, the VoxCeleb1 layout and metadata,
 * identity splits and the official protocol lists.
 *
 * @module
 */

// Media
export { parseWav, type WavAudio } from "./parse_wav.ts";
export { decodeJpeg, type DecodeJpegOptions } from "./decode_jpeg.ts";

// Data sets
export { type DatasetVideo } from "./dataset_video.ts";
export { parseManifest, type ManifestRow } from "./parse_manifest.ts";
export { parseVoxceleb1Meta, type Voxceleb1MetaRow } from "./parse_voxceleb1_meta.ts";
export { parseIdentitySplits } from "./parse_identity_splits.ts";
export { voxceleb1FacePath, voxceleb1NameMap, voxceleb1VoicePath, type Voxceleb1NameToId } from "./voxceleb1_layout.ts";

// Protocol lists
export {
  parseVerificationList,
  type ParseVerificationListOptions,
  type VerificationListEntry,
} from "./parse_verification_list.ts";
export { parseMatchingList, type MatchingTrial } from "./parse_matching_list.ts";
export { parseRetrievalList, type RetrievalListItem } from "./parse_retrieval_list.ts";
