/** A little-endian float32 NumPy `.npy` (format 1.0) of equal-length rows. */
export function npyFloat32(rows: readonly Float32Array[]): Uint8Array {
  const d = rows[0]?.length ?? 0;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows.length}, ${d}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += `${" ".repeat(pad % 64)}\n`;
  const out = new Uint8Array(10 + header.length + rows.length * d * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer, 10 + header.length);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new RangeError(`Cannot write .npy: row ${i} has ${r.length} values, row 0 has ${d}`);
    for (let j = 0; j < d; j++) view.setFloat32((i * d + j) * 4, r[j]!, true);
  });
  return out;
}
