import { spawnSync } from "node:child_process";
import type { RgbFrame } from "../streams/mod.ts";

/** Whether a native ffmpeg/ffprobe is on the PATH (a Debian peer). */
export const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0 && spawnSync("ffprobe", ["-version"]).status === 0;

/** Decodes `fps` frames per second of a video with native ffmpeg as RGB frames (tests only). */
export function ffmpegFrames(path: string, fps = 1): RgbFrame[] {
  const probe = spawnSync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", path]);
  const [width, height] = probe.stdout.toString().trim().split(",").map(Number) as [number, number];
  const r = spawnSync("ffmpeg", ["-v", "error", "-i", path, "-vf", `fps=${fps}`, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`Cannot decode "${path}" with ffmpeg: ${r.stderr.toString()}`);
  const size = width * height * 3;
  const out: RgbFrame[] = [];
  for (let o = 0; o + size <= r.stdout.length; o += size) {
    out.push({ data: new Uint8Array(r.stdout.subarray(o, o + size)), width, height });
  }
  return out;
}

/** Decodes mono 16 kHz float PCM with native ffmpeg (tests and benches only). */
export function ffmpegAudio(path: string): Float32Array {
  const r = spawnSync("ffmpeg", ["-v", "error", "-i", path, "-ac", "1", "-ar", "16000", "-f", "f32le", "-"], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`Cannot decode "${path}" with ffmpeg: ${r.stderr.toString()}`);
  return new Float32Array(r.stdout.buffer.slice(r.stdout.byteOffset, r.stdout.byteOffset + r.stdout.byteLength));
}
