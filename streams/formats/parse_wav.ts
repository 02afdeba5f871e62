// This module is browser compatible.

/** Decoded WAV audio, mixed down to mono. */
export interface WavAudio {
  /** Mono samples as float in [-1, 1] (the mean of the channels). */
  samples: Float32Array;
  /** Sample rate in Hz. */
  sampleRate: number;
  /** Number of channels in the file (before the mix-down). */
  channels: number;
  /** Bits per sample in the file. */
  bitsPerSample: number;
  /** `"int"` for PCM, `"float"` for IEEE float. */
  encoding: "int" | "float";
}

/**
 * Parses a RIFF/WAVE file: PCM 8/16/24/32-bit integer or IEEE float 32/64-bit,
 * plain or `WAVE_FORMAT_EXTENSIBLE`, any channel count (mixed down to mono by
 * averaging). Integers are scaled as librosa/soundfile do: int16 by 1/32768,
 * 8-bit unsigned around 128. A data chunk whose size runs past the end (a WAV
 * written to a pipe) is read to the end of the bytes.
 *
 * @param bytes The file's bytes.
 * @param name The file's name, for error messages.
 * @throws {SyntaxError} When the bytes are not a WAV file or are truncated.
 * @throws {RangeError} For an unsupported sample format.
 *
 * @example
 * ```ts
 * import { parseWav } from "cmpc-stream/streams";
 * const bytes = await (await fetch("utt.wav")).arrayBuffer();
 * const { samples, sampleRate } = parseWav(new Uint8Array(bytes), "utt.wav");
 * ```
 */
export function parseWav(bytes: Uint8Array, name = "audio.wav"): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string =>
    at + 4 <= bytes.length ? String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!) : "";
  if (tag(0) !== "RIFF" || tag(8) !== "WAVE") {
    throw new SyntaxError(`Cannot parse "${name}": not a RIFF/WAVE file`);
  }
  let pos = 12;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | null = null;
  let dataStart = -1;
  let dataSize = 0;
  while (pos + 8 <= bytes.length) {
    const id = tag(pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === "fmt ") {
      if (size < 16)
        throw new SyntaxError(
          `Cannot parse "${name}": its header is corrupt (a fmt chunk of ${size} bytes; a WAV header needs 16)`,
        );
      if (body + 16 > bytes.length)
        throw new SyntaxError(`Cannot parse "${name}": the file ends inside its header (${bytes.length} bytes)`);
      let format = view.getUint16(body, true);
      if (format === 0xfffe && size >= 40 && body + 26 <= bytes.length) format = view.getUint16(body + 24, true);
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === "data") {
      dataStart = body;
      dataSize = Math.min(size, bytes.length - body);
      break;
    }
    pos = body + size + (size & 1);
  }
  const ended = pos + 8 > bytes.length ? ` (the file ends at byte ${bytes.length})` : "";
  if (fmt === null) throw new SyntaxError(`Cannot parse "${name}": no fmt chunk${ended}`);
  if (dataStart < 0) throw new SyntaxError(`Cannot parse "${name}": no data chunk${ended}`);
  const { format, channels, sampleRate, bits } = fmt;
  if (channels < 1 || sampleRate < 1) {
    throw new SyntaxError(
      `Cannot parse "${name}": its header is corrupt (it says ${channels} channel${channels === 1 ? "" : "s"} at ${sampleRate} Hz)`,
    );
  }
  const bytesPer = bits / 8;
  const isInt = format === 1 && [8, 16, 24, 32].includes(bits);
  const isFloat = format === 3 && (bits === 32 || bits === 64);
  if (!isInt && !isFloat) {
    throw new RangeError(`Cannot decode "${name}": unsupported WAV format ${format} with ${bits} bits per sample`);
  }
  const frameBytes = bytesPer * channels;
  const frames = Math.floor(dataSize / frameBytes);
  const out = new Float32Array(frames);
  const read = readerFor(view, isFloat, bits);
  for (let f = 0; f < frames; f++) {
    let at = dataStart + f * frameBytes;
    let sum = 0;
    for (let c = 0; c < channels; c++, at += bytesPer) sum += read(at);
    out[f] = sum / channels;
  }
  return { samples: out, sampleRate, channels, bitsPerSample: bits, encoding: isFloat ? "float" : "int" };
}

function readerFor(view: DataView, isFloat: boolean, bits: number): (at: number) => number {
  if (isFloat) return bits === 32 ? (at) => view.getFloat32(at, true) : (at) => view.getFloat64(at, true);
  switch (bits) {
    case 8:
      return (at) => (view.getUint8(at) - 128) / 128;
    case 16:
      return (at) => view.getInt16(at, true) / 32768;
    case 24:
      return (at) => (view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 8388608;
    default:
      return (at) => view.getInt32(at, true) / 2147483648;
  }
}
