// This module is browser compatible.
/**
 * Front ends: librosa-exact log-mel spectrograms and their windows, speech
 * level and utterance segmentation, the BlazeFace detector and face crops
 * (Pillow-exact resize).
 *
 * @module
 */

// Log-mel
export { LOG_MEL_PARAMS, logMel, type LogMel, type LogMelOptions } from "./log_mel.ts";
export { hzToMel, melFilterbank, melToHz } from "./mel_filterbank.ts";

// Voice windows
export { frameLevels, speechLevel } from "./speech_level.ts";
export { cutWindow, type CutWindowOptions, type LogMelWindow } from "./cut_window.ts";
export { logMelWindows, type LogMelWindowsOptions } from "./log_mel_windows.ts";
export { segmentUtterances, type SegmentUtterancesOptions, type UtteranceSegment } from "./segment_utterances.ts";
export { voiceCropStart } from "./voice_crop_start.ts";

// Faces
export { FaceDetector, type DetectOptions, type FaceBox, type GraphModelJson, type PixelBox } from "./face_detector.ts";
export { cropFace } from "./crop_face.ts";
export { centredSquare, cropFaceRgb, faceCropRegion, type CropFaceOptions } from "./crop_face_rgb.ts";
