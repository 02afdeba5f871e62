// This module is browser compatible.
import { chanceAveragePrecision, meanAveragePrecision, retrievalAveragePrecision, Rng } from "../../models/mod.ts";
import { commonOptions, ItemEmbedder } from "./_embed_items.ts";
import type { DroppedReport, EvaluateEmbedders, EvaluateCommonOptions } from "./evaluate_embedders.ts";

/** A retrieval item: a file and its identity ({@linkcode RetrievalListItem} fits). */
export interface RetrievalItemInput {
  path: string;
  identity: string;
}

/** Options for {@linkcode evaluateRetrieval}. */
export interface EvaluateRetrievalOptions extends EvaluateCommonOptions {
  /**
   * Queries per score block (see {@linkcode retrievalAveragePrecision}).
   * @default {512}
   */
  blockSize?: number;
  /**
   * `"sklearn"` per-query AP (official CMPC) or `"rank"` (vfal-eva).
   * @default {"sklearn"}
   */
  ap?: "sklearn" | "rank";
  /**
   * Also compute the chance level with uniform random scores (as the official
   * code prints it; ≈ 0.55 % on the 20k lists). Costs one more AP pass per direction.
   * @default {false}
   */
  chance?: boolean;
}

/** What {@linkcode evaluateRetrieval} measured. */
export interface RetrievalResult {
  kind: "retrieval";
  name: string;
  /** Voice queries against the face gallery. */
  mapV2F: number;
  /** Face queries against the voice gallery. */
  mapF2V: number;
  voices: number;
  faces: number;
  /** Per-query APs, in the order of the items that were embedded. */
  apV2F: Float64Array;
  apF2V: Float64Array;
  /** mAP with uniform random scores, when `chance` was asked for. */
  chanceMapV2F: number | null;
  chanceMapF2V: number | null;
  /** Queries with no relevant item in the other gallery (their AP is 0). */
  queriesWithoutRelevant: number;
  dropped: DroppedReport;
}

/**
 * Cross-modal retrieval as the official CMPC `retrieval.py`: every voice is
 * a query against all faces (and every face against all voices), relevant =
 * same identity, cosine scores computed block by block on the tfjs backend,
 * per-query scikit-learn AP, then the mean. One crop per voice, no flip.
 * Items that fail to embed leave both the queries and the gallery and are
 * counted in `dropped` (`units` = items dropped).
 *
 * @example
 * ```ts
 * import { evaluateRetrieval, type EvaluateEmbedders } from "cmpc-stream/operators";
 * import { readCmpcProtocol } from "cmpc-stream/streams/node";
 * declare const embedders: EvaluateEmbedders;
 * const p = await readCmpcProtocol("data");
 * if (p.retrieval === null) throw new Error("no retrieval lists");
 * const r = await evaluateRetrieval({ voices: p.retrieval.voices, faces: p.retrieval.faces }, embedders);
 * console.log(`mAP v2f ${(100 * r.mapV2F).toFixed(2)} f2v ${(100 * r.mapF2V).toFixed(2)}`);
 * ```
 */
export async function evaluateRetrieval(
  sets: {
    voices: readonly RetrievalItemInput[];
    faces: readonly RetrievalItemInput[];
  },
  embedders: EvaluateEmbedders,
  options: EvaluateRetrievalOptions = {},
): Promise<RetrievalResult> {
  const { name, seed, concurrency, onProgress } = commonOptions(options);
  const { blockSize = 512, ap = "sklearn", chance = false } = options;
  const emb = new ItemEmbedder(embedders, {
    seed,
    concurrency,
    voiceCrops: 1,
    faceFlip: false,
    onProgress,
  });
  await emb.run(
    sets.voices.map((v) => v.path),
    sets.faces.map((f) => f.path),
  );
  let dropped = 0;
  const pack = (items: readonly RetrievalItemInput[], table: Map<string, Float64Array | null>) => {
    const kept = items.filter((it) => {
      const ok = table.get(it.path) != null;
      if (!ok) dropped++;
      return ok;
    });
    const dim = emb.dim;
    const data = new Float32Array(kept.length * dim);
    kept.forEach((it, i) => {
      data.set(table.get(it.path)!, i * dim);
    });
    return { emb: data, dim, ids: kept.map((it) => it.identity) };
  };
  const voices = pack(sets.voices, emb.voices);
  const faces = pack(sets.faces, emb.faces);
  if (voices.ids.length === 0 || faces.ids.length === 0) {
    throw new RangeError(
      `Cannot evaluate retrieval${name ? ` "${name}"` : ""}: ${voices.ids.length} voices and ${faces.ids.length} faces left after dropping ${dropped}`,
    );
  }
  const apV2F = await retrievalAveragePrecision(voices, faces, {
    blockSize,
    kind: ap,
  });
  const apF2V = await retrievalAveragePrecision(faces, voices, {
    blockSize,
    kind: ap,
  });
  const faceIds = new Set(faces.ids);
  const voiceIds = new Set(voices.ids);
  const queriesWithoutRelevant =
    voices.ids.filter((i) => !faceIds.has(i)).length + faces.ids.filter((i) => !voiceIds.has(i)).length;
  const rng = new Rng(seed);
  return {
    kind: "retrieval",
    name,
    mapV2F: meanAveragePrecision(apV2F),
    mapF2V: meanAveragePrecision(apF2V),
    voices: voices.ids.length,
    faces: faces.ids.length,
    apV2F,
    apF2V,
    chanceMapV2F: chance ? meanAveragePrecision(chanceAveragePrecision(voices.ids, faces.ids, rng)) : null,
    chanceMapF2V: chance ? meanAveragePrecision(chanceAveragePrecision(faces.ids, voices.ids, rng)) : null,
    queriesWithoutRelevant,
    dropped: emb.dropped(dropped),
  };
}
