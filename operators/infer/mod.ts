// This module is browser compatible.
/**
 * Inference: trained towers from checkpoint weights, voice and face
 * embeddings, and matching a voice to faces.
 *
 * @module
 */

// Towers
export { loadTowers, type LoadTowersOptions } from "./load_towers.ts";

// Embeddings
export { embedVoice, type EmbedVoiceOptions } from "./embed_voice.ts";
export { embedFace, type EmbedFaceOptions } from "./embed_face.ts";

// Voice windows of cached utterances, placed in time
export { voiceWindows, type VoiceWindow, type VoiceWindowsOptions } from "./voice_windows.ts";

// Matching
export {
  matchVoiceToFaces,
  type MatchQuery,
  type MatchResult,
  type MatchVoiceToFacesOptions,
} from "./match_voice_to_faces.ts";
