// This module is browser compatible.

/**
 * One training instance of a dataset: one (identity, video) pair, as the
 * paper counts them. Sources return these sorted; `index` is the position in
 * the sorted list (and so the memory-bank slot).
 *
 * A plain video file has `path` only. A VoxCeleb1-layout instance has no
 * video file: its utterances (`.wav`) and face crops (`.jpg`) are listed in
 * `utterances` and `faces`, and `path` is the utterance folder.
 */
export interface DatasetVideo {
  /** Position in the sorted source list. */
  index: number;
  /** The video file, or the folder of a VoxCeleb1 (identity, video). */
  path: string;
  /** The speaker's identity where known (manifest column, VoxCeleb1 ID), else null. */
  identity: string | null;
  /** A readable, unique id: the path relative to the source root, or `id/ytid` for VoxCeleb1. */
  videoId: string;
  /** The identity's display name where known (VoxCeleb1: the VGGFace1 name). */
  name?: string;
  /** The split label where known (VoxCeleb1 / Learnable-PINs: 1 train, 2 val, 3 seen-heard test, 4 unseen-unheard test). */
  split?: number;
  /** Pre-segmented utterance files (VoxCeleb1 `wav/<id>/<ytid>/*.wav`), sorted. */
  utterances?: string[];
  /** Pre-cropped face images (VoxCeleb1 `unzippedFaces/<name>/1.6/<ytid>/*.jpg`), sorted. */
  faces?: string[];
}
