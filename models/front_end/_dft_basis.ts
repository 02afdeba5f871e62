// This module is browser compatible.
/** The periodic Hann window and the two-stage DFT constants of the log-mel front end. @module */

/** scipy.signal.get_window("hann", n, fftbins=True): the periodic Hann window, float64. */
export function periodicHann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/**
 * Constants of a two-stage (Cooley–Tukey, N = n1·n2) real DFT done as two
 * small matMuls, for frames laid out as `[n1][n2]` with sample index
 * `i1 + n1·i2` at position `i1·n2 + i2`:
 *
 * 1. `stage1` (`n2 × 2·n2`): length-n2 DFTs over i2 → Y[i1, k2] (re | im);
 * 2. twiddles `twCos`, `twSin` (`n1 × n2`): Z = Y · e^{−2πi·i1·k2/N};
 * 3. `stage2` (`2·n1 × 2·k1s`): the complex length-n1 DFT over i1, as one real
 *    matMul of [Zr | Zi] with [[C, −S], [S, C]], for k1 < k1s, giving bin
 *    k = k2 + n2·k1 at column (k2 row, k1 col).
 *
 * `binOf[k2 * k1s + k1]` is that bin (or −1 beyond `maxBin`). Angles are
 * reduced exactly before the float64 cos/sin; values are cast to float32.
 */
export function twoStageDft(
  n1: number,
  n2: number,
  maxBin: number,
): {
  stage1: Float32Array;
  twCos: Float32Array;
  twSin: Float32Array;
  stage2: Float32Array;
  k1s: number;
  binOf: Int32Array;
} {
  const N = n1 * n2;
  const stage1 = new Float32Array(n2 * 2 * n2);
  for (let i = 0; i < n2; i++) {
    for (let k = 0; k < n2; k++) {
      const a = (2 * Math.PI * ((i * k) % n2)) / n2;
      stage1[i * 2 * n2 + k] = Math.cos(a);
      stage1[i * 2 * n2 + n2 + k] = -Math.sin(a);
    }
  }
  const twCos = new Float32Array(n1 * n2);
  const twSin = new Float32Array(n1 * n2);
  for (let i = 0; i < n1; i++) {
    for (let k = 0; k < n2; k++) {
      const a = (2 * Math.PI * ((i * k) % N)) / N;
      twCos[i * n2 + k] = Math.cos(a);
      twSin[i * n2 + k] = Math.sin(a);
    }
  }
  const k1s = Math.floor(maxBin / n2) + 1;
  const stage2 = new Float32Array(2 * n1 * 2 * k1s);
  for (let i = 0; i < n1; i++) {
    for (let k = 0; k < k1s; k++) {
      const a = (2 * Math.PI * ((i * k) % n1)) / n1;
      const c = Math.cos(a);
      const s = Math.sin(a);
      stage2[i * 2 * k1s + k] = c; // Zr → Xr
      stage2[i * 2 * k1s + k1s + k] = -s; // Zr → Xi
      stage2[(n1 + i) * 2 * k1s + k] = s; // Zi → Xr
      stage2[(n1 + i) * 2 * k1s + k1s + k] = c; // Zi → Xi
    }
  }
  const binOf = new Int32Array(n2 * k1s);
  for (let k2 = 0; k2 < n2; k2++) {
    for (let k1 = 0; k1 < k1s; k1++) {
      const k = k2 + n2 * k1;
      binOf[k2 * k1s + k1] = k <= maxBin ? k : -1;
    }
  }
  return { stage1, twCos, twSin, stage2, k1s, binOf };
}
