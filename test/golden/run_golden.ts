import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { initBackend } from "../../models/mod.ts";
import type { TopicCheck, TopicResult } from "./_types.ts";
import * as a from "./a_cid.ts";
import * as b from "./b_memory_bank.ts";
import * as c from "./c_kmeans.ts";
import * as d from "./d_proto.ts";
import * as e from "./e_recalibration.ts";
import * as f from "./f_total_loss.ts";
import * as g from "./g_lr_schedule.ts";
import * as h from "./h_metrics.ts";
import * as i from "./i_logmel.ts";

const TOPICS: Record<string, TopicCheck> = {
  a: a.check,
  b: b.check,
  c: c.check,
  d: d.check,
  e: e.check,
  f: f.check,
  g: g.check,
  h: h.check,
  i: i.check,
};

/** One checked fixture file. */
export interface GoldenLine extends TopicResult {
  topic: string;
  file: string;
}

/**
 * Checks every fixture file `<topic>_*.json` (topics a–i) in `dir` against
 * the implementation, on the cpu backend.
 */
export async function runGolden(dir: string): Promise<GoldenLine[]> {
  await initBackend({ prefer: "cpu" });
  const files = (await readdir(dir)).filter((n) => /^[a-i]_.*\.json$/.test(n)).sort();
  const out: GoldenLine[] = [];
  for (const file of files) {
    const topic = file[0]!;
    const check = TOPICS[topic]!;
    let r: TopicResult;
    try {
      const fixture: unknown = JSON.parse(await readFile(join(dir, file), "utf8"));
      r = await check(fixture, dir);
    } catch (err) {
      r = {
        status: "fail",
        worst: Infinity,
        tolerance: NaN,
        metric: "",
        detail: `threw: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    out.push({ topic, file, ...r });
  }
  return out;
}

/** Formats one line: `a_cid.json  PASS  worst 1.2e-7 rel <= 1e-4  B=8`. */
export function formatLine(l: GoldenLine): string {
  const tag = l.status.toUpperCase().padEnd(4);
  const nums =
    l.status === "skip" ? "" : `worst ${l.worst.toExponential(2)} ${l.metric} <= ${l.tolerance.toExponential(0)}  `;
  return `${l.file.padEnd(24)} ${tag}  ${nums}${l.detail}`;
}
