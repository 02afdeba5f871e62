// This module is browser compatible.
import { numberedLines, parseError, quoteLine } from "./_protocol_text.ts";

/** One 1:N matching trial: a probe and its candidates, the correct one first. */
export interface MatchingTrial {
  /** The probe (a voice file for v2f, a face file for f2v), as listed. */
  probe: string;
  /** Candidates of the other modality; `candidates[0]` is the correct one. */
  candidates: string[];
  /** 1-based line in the list file. */
  line: number;
}

/**
 * Parses a CMPC matching file `matching_{v2f,f2v}_{U,G,N,GN}.csv`: no header,
 * one space-separated trial per line, `probe correct impostor…` (1:2 has
 * one impostor; longer rows give 1:N). Paths are already in the VoxCeleb1
 * layouts (`id10002/w9H-ZMvdE9M/00001.wav`, `A.R._Rahman/1.6/<video>/<frame>.jpg`)
 * and are kept as written. Every row must have the same number of columns.
 *
 * @throws {SyntaxError} `Cannot parse "x.csv" line 12: ...`.
 *
 * @example
 * ```ts
 * import { parseMatchingList } from "./parse_matching_list.ts";
 * const [trial] = parseMatchingList("id10002/a/00001.wav A/1.6/b/1.jpg C/1.6/d/2.jpg\n", "matching_v2f_U.csv");
 * // trial.probe === "id10002/a/00001.wav", trial.candidates[0] === "A/1.6/b/1.jpg"
 * ```
 */
export function parseMatchingList(text: string, name: string): MatchingTrial[] {
  const out: MatchingTrial[] = [];
  let width = 0;
  for (const { line, text: t } of numberedLines(text)) {
    const f = t.trim().split(/ +/);
    if (f.length < 3)
      throw parseError(name, line, `expected "probe correct impostor...", got ${f.length} field(s): ${quoteLine(t)}`);
    if (width === 0) width = f.length;
    else if (f.length !== width)
      throw parseError(name, line, `expected ${width} fields like the first row, got ${f.length}: ${quoteLine(t)}`);
    out.push({ probe: f[0]!, candidates: f.slice(1), line });
  }
  return out;
}
