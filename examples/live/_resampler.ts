/**
 * A streaming resampler for the live page's microphone: browsers often run
 * the AudioContext at the device's rate (44.1 or 48 kHz) whatever rate the
 * page asks for, and the model wants 16 kHz. Windowed-sinc interpolation
 * (Hann window, 16 zero crossings a side at the output rate, low-pass at
 * 90% of the lower Nyquist frequency, so nothing above 7.2 kHz folds back
 * at 16 kHz; flat within 1% to 6 kHz), stateful across blocks: pushing a signal in blocks of any size
 * gives the same samples as pushing it whole.
 */
export class StreamResampler {
  readonly from: number;
  readonly to: number;
  /** Half the kernel, in input samples. */
  readonly #half: number;
  /** Cut-off in cycles per input sample. */
  readonly #fc: number;
  #buf: Float32Array;
  /** Position of the next output sample in #buf (input samples). */
  #t: number;

  constructor(from: number, to: number, zeroCrossings = 16) {
    if (!(from > 0 && to > 0 && Number.isFinite(from) && Number.isFinite(to)))
      throw new RangeError(`Cannot resample from ${from} Hz to ${to} Hz: rates must be positive`);
    this.from = from;
    this.to = to;
    const scale = Math.min(1, to / from);
    this.#fc = 0.5 * scale * 0.9;
    this.#half = Math.ceil(zeroCrossings / scale);
    // Zeros before the first sample, so the first output sits on input sample 0.
    this.#buf = new Float32Array(this.#half);
    this.#t = this.#half;
  }

  /** Resamples the next block; returns the output samples it completes (the last few wait for the next block). */
  push(x: Float32Array): Float32Array {
    if (this.from === this.to) return x.slice();
    const buf = new Float32Array(this.#buf.length + x.length);
    buf.set(this.#buf);
    buf.set(x, this.#buf.length);
    const step = this.from / this.to;
    const half = this.#half;
    const fc = this.#fc;
    const out: number[] = [];
    let t = this.#t;
    while (t + half < buf.length) {
      const lo = Math.ceil(t - half);
      const hi = Math.floor(t + half);
      let acc = 0;
      for (let k = lo; k <= hi; k++) {
        const d = t - k;
        const w = 0.5 + 0.5 * Math.cos((Math.PI * d) / half);
        const a = 2 * fc * d;
        acc += buf[k]! * w * 2 * fc * (a === 0 ? 1 : Math.sin(Math.PI * a) / (Math.PI * a));
      }
      out.push(acc);
      t += step;
    }
    // Keep what the next outputs still need.
    const keep = Math.max(0, Math.floor(t - half));
    this.#buf = buf.slice(keep);
    this.#t = t - keep;
    return Float32Array.from(out);
  }
}
