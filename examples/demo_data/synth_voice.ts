/**
 * A formant voice synthesiser: a harmonic glottal source at the identity's
 * pitch with its spectral tilt, shaped by three formant resonators that
 * move through a random vowel sequence scaled by the identity's vocal-tract
 * factor, with syllable envelopes, consonant noise bursts and background
 * noise. Harmonic and formant-shaped, not pure tones.
 *
 * @module
 */
import type { Rng } from "../../models/mod.ts";
import type { VoiceTraits } from "./identity.ts";

const VOWELS: [number, number, number][] = [
  [730, 1090, 2440], // a
  [530, 1840, 2480], // e
  [270, 2290, 3010], // i
  [570, 840, 2410], // o
  [300, 870, 2240], // u
];

/** Per-utterance variation. */
export interface UtteranceOptions {
  seconds: number;
  sampleRate?: number;
  /** Syllables per second multiplier. */
  rate: number;
  /** Signal-to-noise ratio in dB. */
  snrDb: number;
}

/** The synthesised utterance and its amplitude envelope (for the mouth). */
export interface Utterance {
  pcm: Float32Array;
  /** Envelope in [0, 1], one value per sample. */
  envelope: Float32Array;
}

/** Synthesises one utterance of the given voice. */
export function synthVoice(v: VoiceTraits, o: UtteranceOptions, rng: Rng): Utterance {
  const sr = o.sampleRate ?? 16000;
  const n = Math.round(o.seconds * sr);
  const pcm = new Float32Array(n);
  const envelope = new Float32Array(n);
  // Syllable plan.
  let t = Math.round((0.1 + 0.2 * rng.uniform()) * sr);
  const plan: { start: number; end: number; vowel: [number, number, number] }[] = [];
  while (t < n - 0.15 * sr) {
    const dur = Math.round(((0.16 + 0.14 * rng.uniform()) / o.rate) * sr);
    plan.push({ start: t, end: Math.min(n, t + dur), vowel: VOWELS[rng.int(VOWELS.length)]! });
    t += dur + Math.round((0.03 + (rng.uniform() < 0.2 ? 0.25 : 0.05) * rng.uniform()) * sr);
  }
  // Source + formants, syllable by syllable.
  const bursts = new Float32Array(n);
  let phase = 0;
  const nyq = sr / 2;
  const declination = 0.08 * (rng.uniform() - 0.5);
  const weights = new Float64Array(61);
  for (let h = 1; h <= 60; h++) weights[h] = 1 / Math.pow(h, v.tilt);
  for (const s of plan) {
    const [f1, f2, f3] = s.vowel.map((f) => f * v.formantScale * (0.95 + 0.1 * rng.uniform())) as [
      number,
      number,
      number,
    ];
    const res = [resonator(f1, 90, sr), resonator(f2, 110, sr), resonator(f3, 150, sr)];
    const len = s.end - s.start;
    const burst = Math.round(0.02 * sr);
    const contour = (rng.uniform() - 0.5) * 0.15;
    for (let i = 0; i < len; i++) {
      const k = s.start + i;
      const u = i / len;
      const f0 = v.f0 * (1 + declination * (k / n) + contour * Math.sin(Math.PI * u) + 0.01 * (rng.uniform() - 0.5));
      phase += f0 / sr;
      if (phase > 1) phase -= 1;
      const harmonics = Math.min(60, Math.floor(nyq / f0) - 1);
      // sin(h·θ) by complex rotation: one Math.sin/cos per sample, not per harmonic.
      const c1 = Math.cos(2 * Math.PI * phase);
      const s1 = Math.sin(2 * Math.PI * phase);
      let ch = 1;
      let sh = 0;
      let src = 0;
      for (let h = 1; h <= harmonics; h++) {
        const c = ch * c1 - sh * s1;
        sh = sh * c1 + ch * s1;
        ch = c;
        src += sh * weights[h]!;
      }
      let y = src;
      for (const r of res) y = r(y);
      const env = Math.min(1, u / 0.15, (1 - u) / 0.2);
      pcm[k] = y * env;
      if (i < burst) bursts[k] = (rng.uniform() - 0.5) * (1 - i / burst);
      envelope[k] = env;
    }
  }
  // Consonant bursts at a fixed level below the voiced speech, then normalise,
  // then noise at the requested SNR.
  let voicedPower = 0;
  for (const x of pcm) voicedPower += x * x;
  const burstGain = 0.5 * Math.sqrt(voicedPower / Math.max(1, n));
  for (let i = 0; i < n; i++) pcm[i] = pcm[i]! + burstGain * bursts[i]!;
  let peak = 1e-9;
  let power = 0;
  for (const x of pcm) {
    peak = Math.max(peak, Math.abs(x));
    power += x * x;
  }
  const gain = 0.5 / peak;
  const noiseRms = Math.sqrt((power * gain * gain) / n) / Math.pow(10, o.snrDb / 20);
  for (let i = 0; i < n; i++) pcm[i] = pcm[i]! * gain + noiseRms * gaussian(rng);
  return { pcm, envelope };
}

/** A two-pole resonator with unit gain at its centre frequency. */
function resonator(freq: number, bandwidth: number, sr: number): (x: number) => number {
  const r = Math.exp((-Math.PI * bandwidth) / sr);
  const a1 = 2 * r * Math.cos((2 * Math.PI * freq) / sr);
  const a2 = -r * r;
  const g = 1 - r;
  let y1 = 0;
  let y2 = 0;
  return (x: number) => {
    const y = g * x + a1 * y1 + a2 * y2;
    y2 = y1;
    y1 = y;
    return y;
  };
}

function gaussian(rng: Rng): number {
  return rng.normal();
}
