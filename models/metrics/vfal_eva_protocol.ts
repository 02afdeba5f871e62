// This module is browser compatible.
import { Rng } from "../rng.ts";

/** One identity available to the vfal-eva protocol. */
export interface VfalIdentity {
  name: string;
  /** Its voice items (e.g. utterance paths). */
  voices: readonly string[];
  /** Its face items (e.g. frame paths). */
  faces: readonly string[];
  /** `"m"` or `"f"` (as VoxCeleb1's meta); needed only for the gender-constrained (G) variants. */
  gender?: string;
}

/** A verification pair: voice of one identity, face of the same (label 1) or another (0). */
export interface VfalPair {
  voice: string;
  face: string;
  label: 0 | 1;
}

/** A 1:N trial: `voices[k]` and `faces[k]` belong to the same identity; index 0 is the probe's. */
export interface VfalTrial {
  names: string[];
  voices: string[];
  faces: string[];
}

/** One retrieval item: a (voice, face) of one identity. */
export interface VfalRetrievalItem {
  voice: string;
  face: string;
  identity: string;
}

/** The generated vfal-eva test lists. */
export interface VfalEvaProtocol {
  seed: number;
  verification: VfalPair[];
  /** Gender-constrained verification (pools alternate female/male); null without genders. */
  verificationG: VfalPair[] | null;
  /** 1:2 matching trials (2 identities each). */
  matching: VfalTrial[];
  /** Gender-constrained 1:2 matching; null without genders. */
  matchingG: VfalTrial[] | null;
  /** 1:N trials with `maxN` identities; accuracy is read for n = 2…maxN from the first n. */
  oneToN: VfalTrial[];
  /** Retrieval groups: every identity × up to `itemsPerIdentity` (voice, face) items. */
  retrieval: VfalRetrievalItem[][];
}

/** Options for {@linkcode makeVfalEvaProtocol}. */
export interface VfalEvaOptions {
  /**
   * Seed; each list restarts from it, as vfal-eva's scripts call `set_seed(100)` per list.
   * @default {100}
   */
  seed?: number;
  /** @default {10000} */
  verificationPairs?: number;
  /** @default {10000} */
  matchingTrials?: number;
  /** @default {10000} */
  oneToNTrials?: number;
  /** @default {10} */
  maxN?: number;
  /** @default {3} */
  retrievalGroups?: number;
  /** @default {10} */
  itemsPerIdentity?: number;
}

/**
 * Generates the vfal-eva evaluation lists (my-yy/vfal-eva `scripts/1_verification.py`,
 * `2_matching.py`, `3_retrieval.py`) from identities and their items, seeded:
 * verification pairs with a fair-coin label (same identity, or two distinct
 * ones), 1:2 matching (two distinct identities with a voice and a face
 * each), 1:N trials (N distinct identities), and retrieval groups (each
 * identity's voices and faces shuffled and the first `itemsPerIdentity`
 * zipped). G variants alternate female (even trials) and male pools.
 *
 * The construction follows vfal-eva; the draws do not reproduce its pickles
 * (different generator: {@linkcode Rng}).
 *
 * @example
 * ```ts
 * import { makeVfalEvaProtocol } from "./vfal_eva_protocol.ts";
 * const ids = ["a", "b", "c"].map((name) => ({ name, voices: [`${name}/v1.wav`], faces: [`${name}/f1.jpg`] }));
 * const p = makeVfalEvaProtocol(ids, { verificationPairs: 100, matchingTrials: 50, oneToNTrials: 10, maxN: 3 });
 * console.assert(p.verification.length === 100 && p.oneToN[0]!.voices.length === 3);
 * ```
 */
export function makeVfalEvaProtocol(
  identities: readonly VfalIdentity[],
  options: VfalEvaOptions = {},
): VfalEvaProtocol {
  const {
    seed = 100,
    verificationPairs = 10000,
    matchingTrials = 10000,
    oneToNTrials = 10000,
    maxN = 10,
    retrievalGroups = 3,
    itemsPerIdentity = 10,
  } = options;
  const seen = new Set<string>();
  for (const id of identities) {
    if (id.voices.length === 0 || id.faces.length === 0) {
      throw new RangeError(
        `Cannot build the vfal-eva lists: identity "${id.name}" has ${id.voices.length} voices and ${id.faces.length} faces`,
      );
    }
    if (seen.has(id.name)) throw new RangeError(`Cannot build the vfal-eva lists: identity "${id.name}" appears twice`);
    seen.add(id.name);
  }
  if (identities.length < Math.max(2, maxN)) {
    throw new RangeError(
      `Cannot build the vfal-eva lists: need at least ${Math.max(2, maxN)} identities, got ${identities.length}`,
    );
  }
  const females = identities.filter((i) => i.gender === "f" || i.gender === "0");
  const males = identities.filter((i) => i.gender === "m" || i.gender === "1");
  const withGender = females.length >= 2 && males.length >= 2 && females.length + males.length === identities.length;

  const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)]!;
  const distinct = <T>(rng: Rng, xs: readonly T[], k: number): T[] => {
    const idx = Array.from(xs, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(idx.length - i);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx.slice(0, k).map((i) => xs[i]!);
  };
  const verification = (pools: (i: number) => readonly VfalIdentity[]): VfalPair[] => {
    const rng = new Rng(seed);
    return Array.from({ length: verificationPairs }, (_, i) => {
      const label = rng.int(2) as 0 | 1;
      const pool = pools(i);
      const ab = label === 1 ? [pick(rng, pool)] : distinct(rng, pool, 2);
      const a = ab[0]!;
      const b = ab[1] ?? a;
      return { voice: pick(rng, a.voices), face: pick(rng, b.faces), label };
    });
  };
  const trials = (count: number, n: number, pools: (i: number) => readonly VfalIdentity[]): VfalTrial[] => {
    const rng = new Rng(seed);
    return Array.from({ length: count }, (_, i) => {
      const ids = distinct(rng, pools(i), n);
      const voices = ids.map((x) => pick(rng, x.voices));
      const faces = ids.map((x) => pick(rng, x.faces));
      return { names: ids.map((x) => x.name), voices, faces };
    });
  };
  const all = () => identities;
  const byGender = (i: number) => (i % 2 === 0 ? females : males);
  const rng = new Rng(seed);
  const shuffled = <T>(xs: readonly T[]): T[] => distinct(rng, xs, xs.length);
  const retrieval = Array.from({ length: retrievalGroups }, () =>
    identities.flatMap((id) => {
      const v = shuffled(id.voices).slice(0, itemsPerIdentity);
      const f = shuffled(id.faces).slice(0, itemsPerIdentity);
      return Array.from({ length: Math.min(v.length, f.length) }, (_, k) => ({
        voice: v[k]!,
        face: f[k]!,
        identity: id.name,
      }));
    }),
  );
  return {
    seed,
    verification: verification(all),
    verificationG: withGender ? verification(byGender) : null,
    matching: trials(matchingTrials, 2, all),
    matchingG: withGender ? trials(matchingTrials, 2, byGender) : null,
    oneToN: trials(oneToNTrials, maxN, all),
    retrieval,
  };
}
