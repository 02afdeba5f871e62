import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { DatasetVideo } from "../formats/dataset_video.ts";
import { parseVoxceleb1Meta } from "../formats/parse_voxceleb1_meta.ts";
import { parseIdentitySplits } from "../formats/parse_identity_splits.ts";
import { compareCodeUnits } from "../formats/_compare_code_units.ts";

/** Options for {@linkcode voxceleb1Source}. */
export interface Voxceleb1SourceOptions {
  /**
   * The Learnable-PINs identity split file (`<name> <label>` per line).
   * @default "<root>/identity_splits.txt"
   */
  splitFile?: string;
  /**
   * VoxCeleb1's meta file (VoxCeleb1 ID ↔ VGGFace1 name).
   * @default "<root>/vox1_meta.csv"
   */
  metaFile?: string;
  /**
   * Split labels to keep (1 train, 2 val, 3 seen-heard test, 4 unseen-unheard test).
   * CMPC trains on [1, 2] and tests on [4].
   * @default [1, 2]
   */
  splits?: number[];
  /**
   * Folder of `<id>/<ytid>/<utt>.wav`.
   * @default "<root>/wav"
   */
  wavDir?: string;
  /**
   * Folder of `<name>/1.6/<ytid>/*.jpg`.
   * @default "<root>/unzippedFaces"
   */
  faceDir?: string;
  /**
   * Called for each (identity, video) left out because it has utterances but
   * no faces or the reverse, and for identities of the split that have no
   * folder at all.
   * @default undefined (silently left out)
   */
  onWarning?: (message: string) => void;
}

/**
 * Lists the training instances of a VoxCeleb1-layout tree, one per
 * (identity, YouTube video) as the paper: `wav/<id>/<ytid>/<utt>.wav` with
 * `unzippedFaces/<name>/1.6/<ytid>/*.jpg`, names mapped to ids by
 * `vox1_meta.csv`, identities chosen by their label in the split file.
 * Sorted identity by identity in code-unit order of the VGGFace1 name (the
 * split file's order), then by video id; `index` is the position.
 * `identity` is the VoxCeleb1 ID, `name` the VGGFace1 name.
 *
 * @throws {TypeError} When the meta or split file is missing.
 *
 * @example
 * ```ts
 * import { voxceleb1Source } from "cmpc-stream/streams/node";
 * const train = await voxceleb1Source("/data/vox1", { splits: [1, 2] }); // 18,057 instances on the full set
 * ```
 */
export async function voxceleb1Source(root: string, options: Voxceleb1SourceOptions = {}): Promise<DatasetVideo[]> {
  const metaFile = options.metaFile ?? join(root, "vox1_meta.csv");
  const splitFile = options.splitFile ?? join(root, "identity_splits.txt");
  const wavDir = resolve(options.wavDir ?? join(root, "wav"));
  const faceDir = resolve(options.faceDir ?? join(root, "unzippedFaces"));
  const keep = new Set(options.splits ?? [1, 2]);
  const warn = options.onWarning ?? ((): void => undefined);
  const meta = parseVoxceleb1Meta(await readText(metaFile), metaFile);
  const splits = parseIdentitySplits(await readText(splitFile), splitFile);
  const idByName = new Map(meta.map((m) => [m.name, m.id]));
  const names = [...splits.entries()]
    .filter(([, label]) => keep.has(label))
    .map(([name]) => name)
    .sort(compareCodeUnits);
  const videos: DatasetVideo[] = [];
  for (const name of names) {
    const id = idByName.get(name);
    if (id === undefined) {
      warn(`VoxCeleb1: "${name}" is in the split file but not in ${metaFile}`);
      continue;
    }
    const wavVideos = await listDirs(join(wavDir, id));
    const faceVideos = await listDirs(join(faceDir, name, "1.6"));
    if (wavVideos.length === 0 && faceVideos.length === 0) {
      warn(`VoxCeleb1: no folder for "${name}" (${id})`);
      continue;
    }
    const faceSet = new Set(faceVideos);
    const wavSet = new Set(wavVideos);
    for (const v of faceVideos)
      if (!wavSet.has(v)) warn(`VoxCeleb1: ${name}/${v} has faces but no utterances; left out`);
    for (const ytid of wavVideos.filter((v) => faceSet.has(v)).sort(compareCodeUnits)) {
      const uttDir = join(wavDir, id, ytid);
      const faceSub = join(faceDir, name, "1.6", ytid);
      const utterances = (await listFiles(uttDir, ".wav")).map((f) => join(uttDir, f));
      const faces = (await listFiles(faceSub, ".jpg")).map((f) => join(faceSub, f));
      if (utterances.length === 0 || faces.length === 0) {
        warn(`VoxCeleb1: ${id}/${ytid} has ${utterances.length} utterances and ${faces.length} faces; left out`);
        continue;
      }
      videos.push({
        index: videos.length,
        path: uttDir,
        identity: id,
        videoId: `${id}/${ytid}`,
        name,
        split: splits.get(name)!,
        utterances,
        faces,
      });
    }
    for (const v of wavVideos) if (!faceSet.has(v)) warn(`VoxCeleb1: ${id}/${v} has utterances but no faces; left out`);
  }
  return videos;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch {
    throw new TypeError(`Cannot read "${path}": no such file`);
  }
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort(compareCodeUnits);
  } catch {
    return [];
  }
}

async function listFiles(dir: string, ext: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith(ext))
    .map((e) => e.name)
    .sort(compareCodeUnits);
}
