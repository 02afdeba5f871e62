// This module is browser compatible.
import type { Rng } from "../../models/mod.ts";

/** Which view of a voice item to embed. */
export interface VoiceView {
  /** 0-based view index (verification draws 5 crops: 0…4). */
  index: number;
  /** How many views of this item are averaged. */
  count: number;
  /**
   * This item's own seeded generator (drawn in list order from the
   * evaluation seed, so results do not depend on call order). Draw the crop
   * start with `voiceCropStart(frames, view.rng)` to crop as the official code.
   */
  rng: Rng;
}

/** Which view of a face item to embed. */
export interface FaceView {
  /** Embed the horizontally flipped image (verification averages image and flip). */
  flip: boolean;
}

/**
 * How the evaluation gets embeddings: two callbacks that load an item (a
 * list path, resolved by the caller against its data folder) and embed one
 * view of it. A rejected promise (e.g. a missing file) drops the item and
 * every pair or trial that needs it; the evaluation goes on and reports it.
 */
export interface EvaluateEmbedders {
  voice: (item: string, view: VoiceView) => Promise<Float32Array>;
  face: (item: string, view: FaceView) => Promise<Float32Array>;
}

/** What an evaluation left out because items could not be embedded. */
export interface DroppedReport {
  /** Pairs / trials / queries left out. */
  units: number;
  /** Distinct items that failed. */
  items: number;
  /** The first few failures. */
  examples: { modality: "voice" | "face"; item: string; reason: string }[];
}

/** Options shared by the evaluate functions. */
export interface EvaluateCommonOptions {
  /**
   * Name of the list, for the report.
   * @default {""}
   */
  name?: string;
  /**
   * Seed of the voice-crop generators.
   * @default {100}
   */
  seed?: number;
  /**
   * Embedding calls in flight at once.
   * @default {4}
   */
  concurrency?: number;
  /**
   * Called as items are embedded.
   * @default {undefined}
   */
  onProgress?: (done: number, total: number) => void;
}
