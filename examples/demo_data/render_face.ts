/**
 * Renders a synthetic face frame: background, hair, face oval with shading,
 * eyes, brows, nose and a mouth that opens with the voice's envelope. The
 * geometry comes from the identity's {@linkcode FaceTraits}; colours from
 * its look; pose, lighting and background from the video's nuisances.
 *
 * @module
 */
import type { Rng } from "../../models/mod.ts";
import type { FaceTraits, IdentityLook } from "./identity.ts";

/** Per-video (and per-frame) variation. */
export interface FaceNuisance {
  /** Face centre offset as a fraction of the frame. */
  dx: number;
  dy: number;
  /** Face width as a fraction of the frame width (≈ 0.32–0.42). */
  scale: number;
  /** Roll angle in radians. */
  roll: number;
  /** Global brightness multiplier. */
  light: number;
  /** Background colours (top, bottom). */
  bgTop: [number, number, number];
  bgBottom: [number, number, number];
  /** Pixel noise standard deviation (0–255 scale). */
  noise: number;
}

/** Renders one RGB frame of size `w × h`; `mouth` in [0, 1]. */
export function renderFace(
  w: number,
  h: number,
  f: FaceTraits,
  look: IdentityLook,
  n: FaceNuisance,
  mouth: number,
  rng: Rng,
): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const cx = w * (0.5 + n.dx);
  const cy = h * (0.52 + n.dy);
  const a = (n.scale * w) / 2; // face half-width
  const b = Math.min(a * f.aspect, h * 0.3); // face half-height
  const cos = Math.cos(n.roll);
  const sin = Math.sin(n.roll);
  const eyeX = f.eyeSpacing * a;
  const eyeY = -f.eyeHeight * b;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const px = x + 0.5 - cx;
      const py = y + 0.5 - cy;
      // Face coordinates (rotated by -roll), normalised by the half-axes.
      const u = (cos * px + sin * py) / a;
      const v = (-sin * px + cos * py) / b;
      const gy = y / h;
      let r = n.bgTop[0] * (1 - gy) + n.bgBottom[0] * gy;
      let g = n.bgTop[1] * (1 - gy) + n.bgBottom[1] * gy;
      let bl = n.bgTop[2] * (1 - gy) + n.bgBottom[2] * gy;
      const set = (c: readonly number[], k = 1) => {
        r = c[0]! * k;
        g = c[1]! * k;
        bl = c[2]! * k;
      };
      // Neck and shoulders.
      if (v > 0.7 && Math.abs(u) < 0.45 + Math.max(0, v - 1.3) * 1.5) set(look.skin, 0.8);
      // Hair behind the head (long hair falls lower).
      const hu = u / 1.15;
      const hv = (v + 0.12) / 1.12;
      if (hu * hu + hv * hv < 1 && v < -0.1 + look.hairLength * 1.0) set(look.hair, 1);
      // Ears.
      const eu = Math.abs(u) - 1.0;
      if ((eu * eu) / 0.02 + ((v + 0.05) * (v + 0.05)) / 0.06 < 1) set(look.skin, 0.85);
      // Face oval with soft shading.
      const d2 = u * u + v * v;
      if (d2 < 1) {
        set(look.skin, 1.08 - 0.3 * d2 - 0.08 * u);
        // Fringe.
        if (v < -0.62 + 0.1 * Math.cos(u * 6) && look.hairLength > 0.3) set(look.hair, 1);
        // Brows.
        for (const s of [-1, 1]) {
          const bu = (u * a - s * eyeX) / (0.26 * a);
          const bv = (v - (eyeY / b - 0.16)) / 0.035;
          if (bu * bu + bv * bv < 1) set(look.hair, 0.7);
        }
        // Eyes: sclera, iris, pupil, lid shadow.
        for (const s of [-1, 1]) {
          const ex = (u * a - s * eyeX) / a;
          const ey = v - eyeY / b;
          const su = ex / 0.17;
          const sv = ey / 0.075;
          if (su * su + sv * sv < 1) {
            set([245, 245, 240]);
            const ir = Math.hypot(ex / 0.075, (ey / 0.075) * 1.0);
            if (ir < 1) set(look.iris);
            if (ir < 0.45) set([15, 15, 15]);
            if (sv < -0.6) set(look.skin, 0.6);
          }
        }
        // Nose: a shaded ridge and nostrils.
        const nu = u / 0.12;
        const nv = (v - 0.1) / 0.22;
        if (nu * nu + nv * nv < 1) set(look.skin, 0.92 - 0.1 * nu);
        for (const s of [-1, 1]) {
          const ou = (u - s * 0.06) / 0.04;
          const ov = (v - 0.28) / 0.025;
          if (ou * ou + ov * ov < 1) set(look.skin, 0.45);
        }
        // Mouth: lips and an opening that follows the voice.
        const open = 0.015 + 0.1 * Math.max(0, Math.min(1, mouth));
        const mu = u / 0.36;
        const mvLip = (v - 0.52) / (open + 0.05);
        if (mu * mu + mvLip * mvLip < 1) set([170, 70, 70], Math.min(1.1, look.skin[0] / 230));
        const mvIn = (v - 0.52) / open;
        if (mu * mu * 1.3 + mvIn * mvIn < 1) set([60, 20, 25]);
      }
      const noise = n.noise * 2 * (rng.nextUint32() / 4294967296 + rng.nextUint32() / 4294967296 - 1) * 1.2247;
      const o = (y * w + x) * 3;
      out[o] = clamp(r * n.light + noise);
      out[o + 1] = clamp(g * n.light + noise);
      out[o + 2] = clamp(bl * n.light + noise);
    }
  }
  return out;
}

function clamp(x: number): number {
  return x < 0 ? 0 : x > 255 ? 255 : Math.round(x);
}
