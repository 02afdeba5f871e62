import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The two files of the face detector, as bytes for `FaceDetector.load`. */
export interface FaceDetectorFiles {
  /** Parsed `blazeface.json` (tfjs graph model). */
  modelJson: { modelTopology: unknown; weightsManifest: { paths: string[]; weights: unknown[] }[] };
  /** The bytes of `blazeface.bin`. */
  weights: Uint8Array;
  /** The directory they were read from. */
  dir: string;
}

/**
 * Reads the BlazeFace detector that the installed `@vladmandic/human`
 * package ships (`models/blazeface.json` + `.bin`), or the same two files
 * from `dir`. Nothing is downloaded.
 *
 * @example
 * ```ts
 * import { readFaceDetectorFiles } from "./read_face_detector_files.ts";
 * import { FaceDetector } from "../../models/mod.ts";
 * const { modelJson, weights } = await readFaceDetectorFiles();
 * const detector = await FaceDetector.load(modelJson, weights);
 * detector.dispose();
 * ```
 */
export async function readFaceDetectorFiles(dir?: string): Promise<FaceDetectorFiles> {
  let where = dir;
  if (where === undefined) {
    let main: string;
    try {
      main = createRequire(import.meta.url).resolve("@vladmandic/human");
    } catch (e) {
      throw new Error('Cannot load the face detector: package "@vladmandic/human" is not installed', { cause: e });
    }
    where = join(dirname(dirname(main)), "models");
  }
  const jsonPath = join(where, "blazeface.json");
  let text: string;
  let bin: Buffer;
  try {
    [text, bin] = await Promise.all([readFile(jsonPath, "utf8"), readFile(join(where, "blazeface.bin"))]);
  } catch (e) {
    throw new Error(`Cannot load the face detector: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const modelJson = JSON.parse(text) as FaceDetectorFiles["modelJson"];
  return { modelJson, weights: new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength), dir: where };
}
