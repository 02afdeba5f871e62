// This module is browser compatible.
import { Rng } from "../../models/mod.ts";
import type { CachedVideo, FeatureCache } from "../../streams/mod.ts";

/** Options for {@linkcode selectLabelled}. */
export interface SelectLabelledOptions {
  /**
   * Share of the eligible identities to label, 0 < fraction ≤ 1, rounded to
   * the nearest count and at least 2. Ignored when `count` is given.
   * @default {0.1}
   */
  fraction?: number;
  /** Exactly this many identities (at least 2). @default {undefined} */
  count?: number;
  /** Seed of the choice. @default {0} */
  seed?: number;
  /**
   * Identity of each labelled video, by video id (a manifest CSV's
   * `file,identity`, a VoxCeleb1 speaker id…). Videos it does not name are
   * unlabelled; names it holds that are not in the cache are reported.
   * @default {each cached video's own identity}
   */
  labels?: ReadonlyMap<string, string>;
  /** Identities of the evaluation set: labelling any of them is refused (a `LabelLeakError`). @default {[]} */
  exclude?: Iterable<string>;
  /** Fewest labelled videos an identity needs (cross-entropy cannot learn from one clip of a class). @default {2} */
  minVideos?: number;
}

/** One input that {@linkcode selectLabelled} left out, and why. */
export interface LabelSkip {
  /** The video id (for a label naming a clip not among the inputs) or the identity. */
  name: string;
  reason: "not-in-cache" | "too-few-videos";
  message: string;
}

/** What {@linkcode selectLabelled} chose. */
export interface LabelledSelection {
  /** The labelled videos as a feature cache of their own (indices 0..m−1, the same store). */
  cache: FeatureCache;
  /** Class of each video of `cache`. */
  labels: Int32Array;
  /** Identity of each class, in class order. */
  classes: string[];
  /** Identities that had enough labelled videos to be chosen. */
  eligible: number;
  /** Cached videos without a label. */
  unlabelled: number;
  skipped: LabelSkip[];
}

/** Thrown when a labelled identity is also an evaluation identity (the low-shot protocol needs them disjoint). */
export class LabelLeakError extends RangeError {
  override name = "LabelLeakError";
  constructor(
    readonly identities: string[],
    message: string,
  ) {
    super(message);
  }
}

/**
 * Chooses the labelled identities of a low-shot run: of the identities with
 * at least `minVideos` labelled videos in `cache`, a seeded `fraction` (or
 * `count`) of them, and returns their videos as a cache of their own with a
 * class per video. Labels that name videos not in the cache, and identities
 * with too few videos, are reported in `skipped`; an identity that is also
 * in `exclude` (the test set) is refused with a {@linkcode LabelLeakError}.
 *
 * @example
 * ```ts
 * import type { FeatureCache } from "cmpc-stream/streams";
 * import { selectLabelled } from "cmpc-stream/operators";
 * declare const cache: FeatureCache;
 * const s = selectLabelled(cache, { fraction: 0.2, seed: 1 });
 * console.log(`${s.classes.length} of ${s.eligible} identities, ${s.cache.videos.length} videos`);
 * ```
 */
export function selectLabelled(cache: FeatureCache, options: SelectLabelledOptions = {}): LabelledSelection {
  const minVideos = options.minVideos ?? 2;
  const skipped: LabelSkip[] = [];
  const identityOf = (v: CachedVideo): string | null =>
    options.labels === undefined ? v.identity : (options.labels.get(v.videoId) ?? null);
  if (options.labels !== undefined) {
    const ids = new Set(cache.videos.map((v) => v.videoId));
    for (const [file, identity] of options.labels) {
      if (!ids.has(file))
        skipped.push({
          name: file,
          reason: "not-in-cache",
          message: `label "${file}" → ${identity}: no such clip among the inputs (or it gave no features)`,
        });
    }
  }
  const byIdentity = new Map<string, CachedVideo[]>();
  let unlabelled = 0;
  for (const v of cache.videos) {
    const id = identityOf(v);
    if (id === null || id === "") {
      unlabelled += 1;
      continue;
    }
    byIdentity.set(id, [...(byIdentity.get(id) ?? []), v]);
  }
  const excluded = new Set(options.exclude ?? []);
  const leaks = [...byIdentity.keys()].filter((id) => excluded.has(id)).sort();
  if (leaks.length > 0) {
    throw new LabelLeakError(
      leaks,
      `Cannot label ${leaks.length} identit${leaks.length === 1 ? "y" : "ies"} that the evaluation set also holds (${leaks.slice(0, 5).join(", ")}${leaks.length > 5 ? ", …" : ""}): the low-shot protocol evaluates on unseen identities`,
    );
  }
  const eligible: string[] = [];
  for (const [id, videos] of [...byIdentity].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (videos.length >= minVideos) eligible.push(id);
    else
      skipped.push({
        name: id,
        reason: "too-few-videos",
        message: `identity "${id}" has ${videos.length} labelled video${videos.length === 1 ? "" : "s"} (at least ${minVideos} needed)`,
      });
  }
  let n: number;
  if (options.count !== undefined) {
    n = options.count;
    if (!Number.isInteger(n) || n < 2) throw new RangeError(`Cannot label ${n} identities: use a count of at least 2`);
  } else {
    const f = options.fraction ?? 0.1;
    if (!(f > 0 && f <= 1))
      throw new RangeError(`Cannot label a fraction ${f} of the identities: use 0 < fraction ≤ 1`);
    n = Math.max(2, Math.round(f * eligible.length));
  }
  if (n > eligible.length) {
    throw new RangeError(
      `Cannot label ${n} identities: only ${eligible.length} have at least ${minVideos} labelled videos${skipped.length > 0 ? ` (${skipped.length} inputs skipped)` : ""}`,
    );
  }
  const rng = new Rng(options.seed ?? 0);
  const order = [...eligible];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const classes = order.slice(0, n).sort();
  const classOf = new Map(classes.map((id, c) => [id, c]));
  const videos: CachedVideo[] = [];
  const labels: number[] = [];
  for (const v of cache.videos) {
    const id = identityOf(v);
    const c = id === null ? undefined : classOf.get(id);
    if (c === undefined) continue;
    videos.push({ ...v, index: videos.length });
    labels.push(c);
  }
  return {
    cache: { ...cache, videos },
    labels: Int32Array.from(labels),
    classes,
    eligible: eligible.length,
    unlabelled,
    skipped,
  };
}
