/**
 * What the live page concludes from one tick, as plain functions (tested in
 * Node): the voice's state (still filling the model's window, silence, or a
 * voice), the ranking of the faces by cosine, and the decision, which names
 * a speaker only for a voice, and only above the model's verification
 * threshold.
 */

/** Below this level (dBFS of the window) the microphone counts as silent whatever the buffer holds. */
export const SILENCE_DBFS = -50;

/** The voice of one tick. */
export interface VoiceStatus {
  /** `filling`: fewer samples than the model's window; `silent`: too quiet to say anything; `voice`: scored. */
  kind: "filling" | "silent" | "voice";
  /** Level of the newest window in dBFS (a full-scale sine is −3 dBFS; −Infinity for digital silence). */
  dbfs: number;
  /** Seconds of audio buffered, and the model's window in seconds. */
  have: number;
  need: number;
}

/** The RMS level of `samples` in dBFS. */
export function dbfs(samples: Float32Array): number {
  if (samples.length === 0) return -Infinity;
  let p = 0;
  for (const x of samples) p += x * x;
  return 10 * Math.log10(p / samples.length);
}

/**
 * The voice's state: `filling` until the buffer holds one window of the
 * model, then `silent` when the window is below {@linkcode SILENCE_DBFS} or
 * marked near-silent by `cutWindow` (30 dB below the buffer's speech level),
 * else `voice`.
 */
export function voiceStatus(window: Float32Array, have: number, need: number, nearSilent: boolean): VoiceStatus {
  const level = dbfs(window);
  const kind = have + 1e-9 < need ? "filling" : nearSilent || !(level >= SILENCE_DBFS) ? "silent" : "voice";
  return { kind, dbfs: level, have, need };
}

/** 1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, 21st. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

/** Ranks (1-based) of `scores`, highest first; ties keep the earlier index ahead. */
export function ranks(scores: readonly number[]): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const out = new Array<number>(scores.length);
  order.forEach((i, r) => (out[i] = r + 1));
  return out;
}

/** What one tick concludes about a set of candidate faces. */
export interface Decision {
  verdict: "filling" | "silent" | "no-face" | "no-threshold" | "no-match" | "match";
  /** The face named as the speaker, or −1. */
  speaker: number;
  /** Rank of each face (1 = most alike), or empty when the voice is not scored. */
  ranks: number[];
  /** One sentence for a person. */
  text: string;
}

/**
 * Decides who speaks among `scores` (the cosine of the voice with each face):
 * nobody while the window fills or the microphone is silent; with a voice,
 * the best face only when its cosine reaches `threshold` (the model's EER
 * threshold), else "no match"; with no threshold, a ranking and nobody named.
 */
export function decide(
  scores: readonly number[],
  voice: VoiceStatus,
  threshold: number | null,
  what: { faces: string } = { faces: "face on camera" },
): Decision {
  if (voice.kind === "filling") {
    return {
      verdict: "filling",
      speaker: -1,
      ranks: [],
      text: `Listening… ${voice.have.toFixed(1)} of the model's ${voice.need.toFixed(1)} s window heard.`,
    };
  }
  if (voice.kind === "silent") {
    return {
      verdict: "silent",
      speaker: -1,
      ranks: [],
      text: `Silence (${Number.isFinite(voice.dbfs) ? voice.dbfs.toFixed(0) : "−∞"} dBFS): nobody is named until someone speaks.`,
    };
  }
  if (scores.length === 0) return { verdict: "no-face", speaker: -1, ranks: [], text: `No ${what.faces}.` };
  const r = ranks(scores);
  const best = r.indexOf(1);
  const s = scores[best]!;
  if (threshold === null) {
    return {
      verdict: "no-threshold",
      speaker: -1,
      ranks: r,
      text: `Most alike: ${best + 1} (cosine ${s.toFixed(2)}); the model has no verification threshold, so nobody is named.`,
    };
  }
  if (s < threshold) {
    return {
      verdict: "no-match",
      speaker: -1,
      ranks: r,
      text: `No match: the most alike (${best + 1}, cosine ${s.toFixed(2)}) is below the model's threshold ${threshold.toFixed(2)}.`,
    };
  }
  return {
    verdict: "match",
    speaker: best,
    ranks: r,
    text: `Speaker: ${best + 1} (cosine ${s.toFixed(2)} ≥ threshold ${threshold.toFixed(2)}).`,
  };
}
