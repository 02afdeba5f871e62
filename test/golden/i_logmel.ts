import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { logMel, melFilterbank } from "../../models/mod.ts";
import { flat, Worst, type TopicResult } from "./_types.ts";

interface I {
  inputs: { pcm_int16: number[] };
  expected: { shape: [number, number]; logmel_db_float32: number[][]; n_clipped_at_floor: number };
  mel_filterbank: { file: string; rows: Record<string, number[]> };
}

/**
 * Topic i: the librosa 0.6.2 log-mel front end, 1e-2 dB max abs; the
 * float64 filterbank against the fixture's float32 `.bin` and float64 rows.
 */
export async function check(fixture: unknown, dir: string): Promise<TopicResult> {
  const f = fixture as I;
  const pcm = Float32Array.from(f.inputs.pcm_int16, (x) => x / 32768);
  const lm = logMel(pcm);
  const [mels, frames] = f.expected.shape;
  const w = new Worst(1e-2, "abs");
  if (lm.mels !== mels || lm.frames !== frames) {
    w.compare("shape", [lm.mels, lm.frames], [mels, frames]);
    return w.result("shape mismatch");
  }
  w.compare("logmel_db", lm.data, flat(f.expected.logmel_db_float32));
  let atFloor = 0;
  let max = -Infinity;
  for (const v of lm.data) max = Math.max(max, v);
  for (const v of lm.data) if (v <= max - 80 + 1e-4) atFloor++;
  const fb = melFilterbank(16000, 1600, 64, 0, 8000);
  const bin = await readFile(join(dir, f.mel_filterbank.file));
  const fb32 = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const fbErr = new Worst(0, "abs");
  fbErr.compare("filterbank_f32", Float32Array.from(fb), fb32);
  for (const [row, values] of Object.entries(f.mel_filterbank.rows)) {
    const r = Number(row);
    fbErr.compare(`filterbank_row_${row}`, fb.subarray(r * 801, (r + 1) * 801), values);
  }
  // The float64 rows are compared to 1e-12 absolute (JS and numpy log/exp may differ in the last ulp).
  const detail = `64x${frames}; ${atFloor} at floor (fixture ${f.expected.n_clipped_at_floor}); filterbank worst ${fbErr.worst.toExponential(1)}`;
  if (fbErr.worst > 1e-12)
    return { ...w.result(detail), status: "fail", detail: `${detail}; filterbank mismatch at ${fbErr.where}` };
  return w.result(detail);
}
