// This module is browser compatible.
import { tf } from "../_tf.ts";
import { blazefaceAnchors } from "./_blazeface_anchors.ts";
import type { RgbFrame } from "../../streams/mod.ts";

/** An axis-aligned box in frame pixels (x right, y down, from the top-left corner). */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A detected face: the tight detector box in frame pixels, its score and six landmarks. */
export interface FaceBox extends PixelBox {
  /** Detector confidence in [0, 1]. */
  score: number;
  /**
   * Six landmarks in frame pixels, BlazeFace order: right eye, left eye,
   * nose tip, mouth centre, right ear tragion, left ear tragion (subject's left/right).
   */
  landmarks: [number, number][];
}

/** Options for {@linkcode FaceDetector.detect}. */
export interface DetectOptions {
  /** Most faces to return: the largest ones, after suppression. @default {10} */
  maxFaces?: number;
  /** Lowest detector score kept. @default {0.5} */
  minScore?: number;
  /** Boxes overlapping a better one by more than this IoU are dropped. @default {0.3} */
  iouThreshold?: number;
}

/** The model's JSON (tfjs graph-model format) as parsed from `blazeface.json`. */
export interface GraphModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: unknown[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  userDefinedMetadata?: Record<string, unknown>;
}

const INPUT = 256;
const MAX_SIDE = 32768;

function checkFrame(frame: RgbFrame, what: string): void {
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`Cannot ${what} a ${width}×${height} frame: width and height must be positive integers`);
  }
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new RangeError(`Cannot ${what} a ${width}×${height} frame: sides above ${MAX_SIDE} px are not supported`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw new TypeError(
      `Cannot ${what} a ${width}×${height} frame: expected ${width * height * 3} RGB bytes, got ${(data as { length?: number } | undefined)?.length ?? "none"}`,
    );
  }
}

/**
 * Letterboxes `frame` into the detector's 256×256 input (top-left aligned,
 * the rest black), sampling on the host so big frames never become big
 * tensors: bilinear, averaged over a k×k grid of sub-samples when shrinking
 * by more than 2× (k ≤ 8). Returns normalised values x/127.5 − 1.
 */
function letterbox(frame: RgbFrame): { input: Float32Array; scale: number } {
  const { width: w, height: h, data } = frame;
  const scale = INPUT / Math.max(w, h);
  const input = new Float32Array(INPUT * INPUT * 3).fill(-1);
  const ow = Math.min(INPUT, Math.round(w * scale));
  const oh = Math.min(INPUT, Math.round(h * scale));
  const k = Math.min(8, Math.max(1, Math.ceil(1 / scale / 2)));
  const inv = 1 / scale;
  const px = (x: number, y: number, c: number): number => data[(y * w + x) * 3 + c]!;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < k; sy++) {
        const fy = Math.min(h - 1, Math.max(0, (oy + (sy + 0.5) / k) * inv - 0.5));
        const y0 = Math.floor(fy);
        const y1 = Math.min(h - 1, y0 + 1);
        const dy = fy - y0;
        for (let sx = 0; sx < k; sx++) {
          const fx = Math.min(w - 1, Math.max(0, (ox + (sx + 0.5) / k) * inv - 0.5));
          const x0 = Math.floor(fx);
          const x1 = Math.min(w - 1, x0 + 1);
          const dx = fx - x0;
          const w00 = (1 - dx) * (1 - dy);
          const w01 = dx * (1 - dy);
          const w10 = (1 - dx) * dy;
          const w11 = dx * dy;
          r += w00 * px(x0, y0, 0) + w01 * px(x1, y0, 0) + w10 * px(x0, y1, 0) + w11 * px(x1, y1, 0);
          g += w00 * px(x0, y0, 1) + w01 * px(x1, y0, 1) + w10 * px(x0, y1, 1) + w11 * px(x1, y1, 1);
          b += w00 * px(x0, y0, 2) + w01 * px(x1, y0, 2) + w10 * px(x0, y1, 2) + w11 * px(x1, y1, 2);
        }
      }
      const o = (oy * INPUT + ox) * 3;
      const n = k * k * 127.5;
      input[o] = r / n - 1;
      input[o + 1] = g / n - 1;
      input[o + 2] = b / n - 1;
    }
  }
  return { input, scale };
}

function iou(a: PixelBox, b: PixelBox): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * A face detector: the 256×256 BlazeFace graph model that
 * `@vladmandic/human` ships in `models/blazeface.json` + `.bin` (nothing is
 * downloaded), run with this project's tfjs on the active backend (its ops —
 * fused conv, depthwise conv, add, relu, max-pool, pad, reshape — all exist
 * on cpu, wasm and webgl). Load it from bytes: in Node with
 * `readFaceDetectorFiles()` from `cmpc-stream/streams/node`, in a browser by
 * fetching the two files from your bundle.
 *
 * Frames of any size are letterboxed on the host into the 256×256 input
 * (never a full-size tensor, so an 8000×8000 frame costs no more GPU/wasm
 * memory than a 640×480 one); boxes come back in frame pixels, clamped to
 * the frame. Faces smaller than about 1/20 of the frame's longer side are
 * usually missed (the model's smallest anchors are 16 input pixels apart).
 *
 * @example
 * ```ts
 * import { readFaceDetectorFiles } from "../../streams/node/mod.ts";
 * import { FaceDetector } from "./face_detector.ts";
 * const { modelJson, weights } = await readFaceDetectorFiles();
 * const detector = await FaceDetector.load(modelJson, weights);
 * const faces = await detector.detect({ data: new Uint8Array(64 * 48 * 3), width: 64, height: 48 });
 * console.assert(faces.length === 0);
 * detector.dispose();
 * ```
 */
export class FaceDetector {
  readonly #model: tf.GraphModel;
  readonly #anchors = blazefaceAnchors(INPUT);

  private constructor(model: tf.GraphModel) {
    this.#model = model;
  }

  /**
   * Builds the detector from the parsed (or string) `blazeface.json` and the
   * bytes of `blazeface.bin`. Throws a TypeError naming what is wrong when
   * the files do not fit together.
   */
  static async load(modelJson: GraphModelJson | string, weightBytes: Uint8Array | ArrayBuffer): Promise<FaceDetector> {
    const json = (typeof modelJson === "string" ? JSON.parse(modelJson) : modelJson) as GraphModelJson;
    if (
      json === null ||
      typeof json !== "object" ||
      !Array.isArray(json.weightsManifest) ||
      json.modelTopology === undefined
    ) {
      throw new TypeError(
        'Cannot load the face detector: "modelJson" is not a tfjs graph model (no modelTopology/weightsManifest)',
      );
    }
    const weightSpecs = json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
    const bytes = weightBytes instanceof Uint8Array ? weightBytes : new Uint8Array(weightBytes);
    const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: json.modelTopology as object,
      weightSpecs,
      weightData,
      ...(json.format === undefined ? {} : { format: json.format }),
      ...(json.userDefinedMetadata === undefined
        ? {}
        : { userDefinedMetadata: json.userDefinedMetadata as Record<string, object> }),
    };
    const expected = weightSpecs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (expected !== bytes.byteLength) {
      throw new TypeError(
        `Cannot load the face detector: the weights are ${bytes.byteLength} bytes, the model expects ${expected}`,
      );
    }
    const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    return new FaceDetector(model);
  }

  /**
   * Finds faces in an RGB frame, largest first. Returns `[]` when there is
   * none (callers report that; nothing is substituted). Leaves no tensors.
   */
  async detect(frame: RgbFrame, options: DetectOptions = {}): Promise<FaceBox[]> {
    checkFrame(frame, "detect faces in");
    const maxFaces = options.maxFaces ?? 10;
    const minScore = options.minScore ?? 0.5;
    const iouThreshold = options.iouThreshold ?? 0.3;
    const { input, scale } = letterbox(frame);
    const raw = tf.tidy(() => {
      const x = tf.tensor4d(input, [1, INPUT, INPUT, 3]);
      const outs = this.#model.execute(x) as tf.Tensor[];
      // Outputs: scores [1,512,1], [1,384,1] and regressors [1,512,16], [1,384,16].
      const bySize = [...outs].sort((a, b) => a.size - b.size);
      const [s384, s512, r384, r512] = bySize as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const all = tf.concat([tf.concat([s512, r512], 2), tf.concat([s384, r384], 2)], 1);
      return tf.reshape(all, [-1, 17]);
    });
    const d = await raw.data();
    raw.dispose();
    const n = d.length / 17;
    const cands: FaceBox[] = [];
    const { width: fw, height: fh } = frame;
    for (let i = 0; i < n; i++) {
      const o = i * 17;
      const score = 1 / (1 + Math.exp(-Math.max(-80, Math.min(80, d[o]!))));
      if (!(score >= minScore)) continue;
      const ax = this.#anchors[i * 2]!;
      const ay = this.#anchors[i * 2 + 1]!;
      const cx = (ax + d[o + 1]!) / scale;
      const cy = (ay + d[o + 2]!) / scale;
      const bw = d[o + 3]! / scale;
      const bh = d[o + 4]! / scale;
      const x0 = Math.max(0, cx - bw / 2);
      const y0 = Math.max(0, cy - bh / 2);
      const x1 = Math.min(fw, cx + bw / 2);
      const y1 = Math.min(fh, cy + bh / 2);
      if (!(x1 > x0 && y1 > y0)) continue;
      const landmarks: [number, number][] = [];
      for (let k = 0; k < 6; k++) landmarks.push([(ax + d[o + 5 + 2 * k]!) / scale, (ay + d[o + 6 + 2 * k]!) / scale]);
      cands.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, score, landmarks });
    }
    cands.sort((a, b) => b.score - a.score);
    const kept: FaceBox[] = [];
    for (const c of cands) if (kept.every((k) => iou(k, c) <= iouThreshold)) kept.push(c);
    // largest first, so `maxFaces: 1` keeps the largest face (not the most confident)
    return kept.sort((a, b) => b.width * b.height - a.width * a.height).slice(0, Math.max(0, maxFaces));
  }

  /** Frees the model's weights. */
  dispose(): void {
    this.#model.dispose();
  }
}
