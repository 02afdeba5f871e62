/**
 * Soundtracks that do not belong to the face on screen, for the demo's
 * deviating training videos (the faults of web video that recalibration is
 * meant to down-weight): music-like harmonic non-speech, noise, and
 * near-silence with room tone. A voice-over by another identity is
 * `synthVoice` with that identity's traits.
 *
 * @module
 */
import type { Rng } from "../../models/mod.ts";

/** The kinds of foreign soundtrack (besides another identity's voice). */
export type NonSpeech = "music" | "noise" | "silence";

/**
 * `seconds` of mono PCM at `sampleRate`: `music` is a sequence of sustained
 * three-note chords (harmonic tones with vibrato and a slow attack, no
 * formants, no syllables); `noise` is pink-ish noise at a moderate level;
 * `silence` is room tone about 60 dB below speech level.
 */
export function nonSpeech(kind: NonSpeech, seconds: number, rng: Rng, sampleRate = 16000): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  if (kind === "music") {
    const chordSamples = Math.round((0.6 + 0.6 * rng.uniform()) * sampleRate);
    const phases = [0, 0, 0];
    let freqs = chord(rng);
    for (let i = 0; i < n; i++) {
      if (i % chordSamples === 0) freqs = chord(rng);
      const t = (i % chordSamples) / chordSamples;
      const env = Math.min(1, t * 8) * (0.7 + 0.3 * Math.cos(Math.PI * t));
      let s = 0;
      for (let k = 0; k < 3; k++) {
        const vib = 1 + 0.004 * Math.sin((2 * Math.PI * 5.5 * i) / sampleRate);
        phases[k] = phases[k]! + (2 * Math.PI * freqs[k]! * vib) / sampleRate;
        // a few harmonics with a gentle roll-off: a tone, not a voice
        s += Math.sin(phases[k]!) + 0.4 * Math.sin(2 * phases[k]!) + 0.15 * Math.sin(3 * phases[k]!);
      }
      out[i] = 0.08 * env * s;
    }
    return out;
  }
  const level = kind === "noise" ? 0.06 : 0.0003;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const white = 2 * rng.uniform() - 1;
    b = 0.97 * b + 0.03 * white * 6; // low-passed: pink-ish
    out[i] = level * (kind === "noise" ? 0.5 * white + b : white);
  }
  return out;
}

/** A major or minor triad on a root between 150 and 600 Hz. */
function chord(rng: Rng): [number, number, number] {
  const root = 150 * Math.pow(2, 2 * rng.uniform());
  const third = rng.uniform() < 0.5 ? 4 : 3;
  return [root, root * Math.pow(2, third / 12), root * Math.pow(2, 7 / 12)];
}
