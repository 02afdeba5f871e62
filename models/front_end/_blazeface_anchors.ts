// This module is browser compatible.
/**
 * Anchor centres of the 256×256 BlazeFace ("back"/full-range) detector that
 * @vladmandic/human ships: a 16×16 grid (stride 16) with 2 anchors per cell,
 * then an 8×8 grid (stride 32) with 6 per cell, 896 anchors in all, as
 * MediaPipe's SSD anchor calculator lays them out (fixed anchor size: the
 * regressed width and height are absolute input pixels).
 */
export function blazefaceAnchors(inputSize: number): Float32Array {
  const specs: [number, number][] = [
    [inputSize / 16, 2],
    [inputSize / 8, 6],
  ];
  const out: number[] = [];
  for (const [stride, perCell] of specs) {
    const grid = Math.ceil(inputSize / stride);
    for (let y = 0; y < grid; y++) {
      for (let x = 0; x < grid; x++) {
        for (let a = 0; a < perCell; a++) out.push(stride * (x + 0.5), stride * (y + 0.5));
      }
    }
  }
  return Float32Array.from(out);
}
