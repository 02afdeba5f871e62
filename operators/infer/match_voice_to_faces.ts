// This module is browser compatible.
import { map, type OperatorFunction } from "rxjs";
import { cosineSimilarity } from "../../models/mod.ts";

/** One voice embedding and the candidate face embeddings to score it against. */
export interface MatchQuery {
  voice: ArrayLike<number>;
  faces: readonly ArrayLike<number>[];
}

/** Cosine scores of a {@linkcode MatchQuery}. */
export interface MatchResult {
  /** Cosine similarity of the voice with each face, in the order given. */
  scores: Float64Array;
  /** Index of the best-scoring face (-1 when there are no faces). */
  best: number;
}

/** Options for {@linkcode matchVoiceToFaces}. */
export interface MatchVoiceToFacesOptions {
  /**
   * Norm floor of the cosine (as `F.cosine_similarity`).
   * @default {1e-8}
   */
  eps?: number;
}

/**
 * Scores one voice against N faces by cosine similarity (the paper's
 * 1:N matching) and names the best face. Host arithmetic only, so it runs
 * after {@linkcode embedVoice} / {@linkcode embedFace} on any backend.
 * Embeddings of different sizes or holding NaN raise a `RangeError`.
 *
 * @example
 * ```ts
 * import { of } from "rxjs";
 * import { matchVoiceToFaces } from "./match_voice_to_faces.ts";
 * of({ voice: [1, 0], faces: [[0, 1], [1, 0.1]] })
 *   .pipe(matchVoiceToFaces())
 *   .subscribe((m) => console.log(m.best)); // 1
 * ```
 */
export function matchVoiceToFaces(options: MatchVoiceToFacesOptions = {}): OperatorFunction<MatchQuery, MatchResult> {
  const eps = options.eps ?? 1e-8;
  return map((q) => {
    const scores = Float64Array.from(q.faces, (f) => cosineSimilarity(q.voice, f, eps));
    let best = -1;
    for (let i = 0; i < scores.length; i++) if (best < 0 || scores[i]! > scores[best]!) best = i;
    return { scores, best };
  });
}
