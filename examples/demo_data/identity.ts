/**
 * Hidden identity attributes of the synthetic demo speakers, and how they
 * drive both the voice and the face (the link CMPC has to learn).
 *
 * Every mapping below is monotone in its attribute (tested):
 * | attribute | voice | face |
 * |---|---|---|
 * | `size`   | pitch f0 falls 235 → 105 Hz | face widens: height/width falls 1.55 → 1.10 |
 * | `tract`  | formants scale down ×1.20 → ×0.85 | eyes sit higher: eye line rises 0.10 → 0.30 of the half-height above centre |
 * | `spread` | spectral tilt steepens 0.7 → 1.7 (darker voice) | eye spacing grows 0.30 → 0.50 of the face width |
 * | `group` (optional, binary) | group 1: f0 an octave up | group 1: height/width × 1.2, eyes 0.06 of the width closer |
 *
 * The face traits are proportions, so they survive the detector's crop
 * (which normalises the face's size in the frame); overall face size is a
 * per-video nuisance.
 *
 * Skin, hair and eye colours are drawn per identity but linked to nothing in
 * the voice (traits that do not sound), and per-video nuisances (pose,
 * lighting, background, utterance, noise) vary freely, so a voice does not
 * encode a face pixel by pixel.
 *
 * @module
 */
import { Rng } from "../../models/mod.ts";

/** The hidden, voice-and-face attributes of one identity, each in [0, 1]. */
export interface IdentityAttributes {
  size: number;
  tract: number;
  spread: number;
  /**
   * A binary group attribute shared by part of the identities (like sex):
   * group 1 speaks an octave higher and has a longer, narrower face with
   * closer-set eyes. Absent: no group attribute (the data of earlier versions).
   */
  group?: 0 | 1;
}

/** Face traits with no voice counterpart. */
export interface IdentityLook {
  skin: [number, number, number];
  hair: [number, number, number];
  iris: [number, number, number];
  /** 0 = short hair, 1 = long. */
  hairLength: number;
}

/** One synthetic identity. */
export interface DemoIdentity {
  id: string;
  attributes: IdentityAttributes;
  look: IdentityLook;
}

/** Voice parameters derived from the attributes. */
export interface VoiceTraits {
  f0: number;
  formantScale: number;
  tilt: number;
}

/** Face geometry derived from the attributes (proportions, independent of the face's size in the frame). */
export interface FaceTraits {
  /** Face height / width. */
  aspect: number;
  /** Eye line above the face centre, as a fraction of the half-height. */
  eyeHeight: number;
  /** Eye spacing as a fraction of the face width. */
  eyeSpacing: number;
}

/** Attribute → voice (monotone: f0 ↓ in size, formantScale ↓ in tract, tilt ↑ in spread; group 1: f0 × 2). */
export function voiceTraits(a: IdentityAttributes): VoiceTraits {
  const octave = a.group === 1 ? 2 : 1;
  return { f0: (235 - 130 * a.size) * octave, formantScale: 1.2 - 0.35 * a.tract, tilt: 0.7 + 1.0 * a.spread };
}

/** Attribute → face (monotone: aspect ↓ in size, eyeHeight ↑ in tract, eyeSpacing ↑ in spread; group 1: aspect × 1.2, eyes 0.06 closer). */
export function faceTraits(a: IdentityAttributes): FaceTraits {
  const g = a.group === 1;
  return {
    aspect: (1.55 - 0.45 * a.size) * (g ? 1.2 : 1),
    eyeHeight: 0.1 + 0.2 * a.tract,
    eyeSpacing: 0.3 + 0.2 * a.spread - (g ? 0.06 : 0),
  };
}

const SKINS: [number, number, number][] = [
  [255, 224, 196],
  [241, 194, 160],
  [224, 172, 130],
  [198, 134, 96],
  [160, 104, 70],
  [112, 72, 50],
];

/**
 * Draws `n` identities from a seeded generator. With `groups` (a generator
 * of its own, so the other attributes stay what they are without it) each
 * identity is in group 1 with probability `groupShare`.
 */
export function drawIdentities(
  n: number,
  rng: Rng,
  prefix = "id",
  groups: { rng: Rng; share: number } | null = null,
): DemoIdentity[] {
  const out: DemoIdentity[] = [];
  for (let i = 0; i < n; i++) {
    const base = SKINS[rng.int(SKINS.length)]!;
    const jitter = () => rng.uniform() * 20 - 10;
    const skin: [number, number, number] = [
      clamp(base[0] + jitter()),
      clamp(base[1] + jitter()),
      clamp(base[2] + jitter()),
    ];
    const dark = rng.uniform();
    const hair: [number, number, number] =
      dark < 0.6
        ? [30 + rng.int(50), 20 + rng.int(35), 10 + rng.int(25)]
        : [120 + rng.int(110), 80 + rng.int(80), 30 + rng.int(50)];
    const iris: [number, number, number] = [40 + rng.int(80), 40 + rng.int(90), 30 + rng.int(120)];
    const attributes: IdentityAttributes = { size: rng.uniform(), tract: rng.uniform(), spread: rng.uniform() };
    if (groups !== null) attributes.group = groups.rng.uniform() < groups.share ? 1 : 0;
    out.push({
      id: `${prefix}${String(i).padStart(3, "0")}`,
      attributes,
      look: { skin, hair, iris, hairLength: rng.uniform() },
    });
  }
  return out;
}

function clamp(x: number): number {
  return Math.max(0, Math.min(255, Math.round(x)));
}
