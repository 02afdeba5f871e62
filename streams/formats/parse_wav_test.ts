import t from "tap";
import { parseWav } from "./parse_wav.ts";

function wav(
  format: number,
  bits: number,
  channels: number,
  rate: number,
  body: Uint8Array,
  extensible = false,
): Uint8Array {
  const fmtSize = extensible ? 40 : 16;
  const out = new Uint8Array(12 + 8 + fmtSize + 8 + body.length + 8 + 2);
  const v = new DataView(out.buffer);
  const s = (at: number, str: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = str.charCodeAt(i);
  };
  s(0, "RIFF");
  v.setUint32(4, out.length - 8, true);
  s(8, "WAVE");
  // An unknown chunk first (odd size, padded) to exercise chunk skipping.
  s(12, "fmt ");
  v.setUint32(16, fmtSize, true);
  v.setUint16(20, extensible ? 0xfffe : format, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, (rate * channels * bits) / 8, true);
  v.setUint16(32, (channels * bits) / 8, true);
  v.setUint16(34, bits, true);
  if (extensible) {
    v.setUint16(36, 22, true);
    v.setUint16(44, format, true);
  }
  let at = 20 + fmtSize;
  s(at, "LIST");
  v.setUint32(at + 4, 1, true);
  at += 10;
  s(at, "data");
  v.setUint32(at + 4, body.length, true);
  out.set(body, at + 8);
  return out.subarray(0, at + 8 + body.length);
}

t.test("parseWav() reads PCM16, float32 and 24-bit, mixing channels to mono", (t) => {
  const pcm = new Int16Array([0, 16384, -32768, 32767]);
  const a = parseWav(wav(1, 16, 1, 16000, new Uint8Array(pcm.buffer)), "a.wav");
  t.same(Array.from(a.samples), [0, 0.5, -1, 32767 / 32768]);
  t.equal(a.sampleRate, 16000);
  t.equal(a.encoding, "int");

  const st = new Float32Array([0.5, -0.5, 0.25, 0.75]);
  const b = parseWav(wav(3, 32, 2, 44100, new Uint8Array(st.buffer), true), "b.wav");
  t.same(Array.from(b.samples), [0, 0.5]);
  t.equal(b.channels, 2);
  t.equal(b.encoding, "float");

  const b24 = new Uint8Array([0x00, 0x00, 0x40, 0x00, 0x00, 0xc0]);
  const c = parseWav(wav(1, 24, 1, 8000, b24), "c.wav");
  t.same(Array.from(c.samples), [0.5, -0.5]);
  t.end();
});

t.test("parseWav() names the file on bad input", (t) => {
  t.throws(() => parseWav(new Uint8Array(10), "x.wav"), { name: "SyntaxError", message: /"x\.wav": not a RIFF/ });
  t.throws(() => parseWav(wav(2, 4, 1, 8000, new Uint8Array(4)), "adpcm.wav"), {
    name: "RangeError",
    message: /"adpcm\.wav": unsupported/,
  });
  const truncated = wav(1, 16, 1, 16000, new Uint8Array(8));
  new DataView(truncated.buffer).setUint32(truncated.length - 12, 0xffffffff, true);
  t.equal(parseWav(truncated, "pipe.wav").samples.length, 4, "a data size past the end is read to the end");
  t.end();
});
