// This module is browser compatible.
/** The periodic Hann window and the windowed real-DFT basis of the log-mel front end. @module */

/** scipy.signal.get_window("hann", n, fftbins=True): the periodic Hann window, float64. */
export function periodicHann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/**
 * The windowed real-DFT basis as one `nFft × 2·nBins` float32 matrix:
 * column k is w[n]·cos(2πkn/N), column nBins + k is −w[n]·sin(2πkn/N).
 * Angles are reduced exactly (kn mod N) before the float64 cos/sin.
 */
export function windowedDftBasis(nFft: number): Float32Array {
  const nBins = 1 + Math.floor(nFft / 2);
  const win = periodicHann(nFft);
  const out = new Float32Array(nFft * 2 * nBins);
  for (let n = 0; n < nFft; n++) {
    const row = n * 2 * nBins;
    for (let k = 0; k < nBins; k++) {
      const a = (2 * Math.PI * ((k * n) % nFft)) / nFft;
      out[row + k] = win[n]! * Math.cos(a);
      out[row + nBins + k] = -win[n]! * Math.sin(a);
    }
  }
  return out;
}
