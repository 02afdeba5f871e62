// This module is browser compatible.
// Runs inside the decoder worker: one ffmpeg exec per job, input through a
// read-only file node (random access) or a pipe device (sequential), outputs
// through two write-only devices that post decoded audio and frames to the
// host, blocking on the shared credit counter (backpressure). Nothing is
// stored in the in-memory file system.
import {
  CTRL_CANCEL,
  CTRL_CREDIT,
  CTRL_READ_LEN,
  CTRL_READ_STATE,
  READ_CHUNK,
  type WorkerJob,
  type WorkerMessage,
} from "./_protocol.ts";

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument */

/** The parts of an `@ffmpeg/core` instance used here. */
export interface FfmpegCore {
  FS: any;
  exec(...args: string[]): number;
  setLogger(logger: (m: { type: string; message: string }) => void): void;
  reset(): void;
}

/** Synchronous random-access reads of the input (`size` bytes). */
export interface SyncReader {
  size: number;
  read(position: number, length: number): Uint8Array;
}

export type Post = (msg: WorkerMessage, transfer?: Transferable[]) => void;

class Cancelled extends Error {}

/** How much of a piped input is kept for explaining a failure. */
const PIPE_HEAD_BYTES = 1 << 20;

let deviceMajor = 200;

/** Runs one job; returns normally after posting `done` or `failed`. */
export function runSession(core: FfmpegCore, job: WorkerJob, reader: SyncReader | null, post: Post): void {
  const FS = core.FS;
  const ctrl = new Int32Array(job.ctrl);
  const shared = new Uint8Array(job.data);
  const log: string[] = [];
  core.reset();
  core.setLogger((m) => {
    log.push(m.message);
    if (log.length > 400) log.splice(0, 200);
  });

  function checkCancel(): void {
    if (Atomics.load(ctrl, CTRL_CANCEL) !== 0) throw new Cancelled("cancelled");
  }
  function postWithCredit(msg: WorkerMessage, transfer: Transferable[]): void {
    for (;;) {
      checkCancel();
      const c = Atomics.load(ctrl, CTRL_CREDIT);
      if (c > 0) {
        if (Atomics.compareExchange(ctrl, CTRL_CREDIT, c, c - 1) === c) break;
        continue;
      }
      Atomics.wait(ctrl, CTRL_CREDIT, c, 1000);
    }
    post(msg, transfer);
  }

  const dir = `/job${deviceMajor}`;
  FS.mkdir(dir);
  const cleanup: (() => void)[] = [
    () => {
      try {
        FS.rmdir(dir);
      } catch {
        /* ignore */
      }
    },
  ];

  // ---- input ----
  let inputArg: string;
  let inputFd: any = null;
  let bytesRead = 0;
  let sawEnd = false;
  // The start of a piped input, kept so that a failure can be explained
  // (whether the container was cut short) as for a file.
  const head = new Uint8Array(reader === null ? PIPE_HEAD_BYTES : 0);
  if (reader !== null) {
    const safe = job.input.name.replace(/[^A-Za-z0-9._-]/g, "_").slice(-80) || "input";
    const path = `${dir}/${safe}`;
    FS.writeFile(path, new Uint8Array(0));
    const node = FS.lookupPath(path).node;
    node.usedBytes = reader.size;
    node.contents = null;
    const base = node.stream_ops;
    node.stream_ops = {
      ...base,
      read(_stream: any, buffer: Uint8Array, offset: number, length: number, position: number): number {
        checkCancel();
        if (position >= reader.size) return 0;
        const n = Math.min(length, reader.size - position);
        const chunk = reader.read(position, n);
        buffer.set(chunk, offset);
        bytesRead += chunk.length;
        return chunk.length;
      },
      write(): number {
        throw new FS.ErrnoError(63);
      },
      mmap(): never {
        throw new FS.ErrnoError(43);
      },
    };
    cleanup.push(() => {
      try {
        FS.unlink(path);
      } catch {
        /* ignore */
      }
    });
    inputArg = path;
  } else {
    const dev = FS.makedev(deviceMajor++, 0);
    // unregistered after the job: the device closures hold this job's buffers
    cleanup.push(() => {
      Reflect.deleteProperty(FS.devices, dev);
    });
    FS.registerDevice(dev, {
      open(stream: any) {
        stream.seekable = false;
      },
      close() {
        /* nothing */
      },
      read(_stream: any, buffer: Uint8Array, offset: number, length: number): number {
        if (sawEnd) return 0;
        checkCancel();
        Atomics.store(ctrl, CTRL_READ_STATE, 0);
        post({ type: "read", length: Math.min(length, READ_CHUNK) });
        while (Atomics.wait(ctrl, CTRL_READ_STATE, 0, 1000) === "timed-out") checkCancel();
        const n = Atomics.load(ctrl, CTRL_READ_LEN);
        if (n < 0) throw new FS.ErrnoError(29);
        if (n === 0) {
          sawEnd = true;
          return 0;
        }
        buffer.set(shared.subarray(0, n), offset);
        if (bytesRead < head.length) head.set(shared.subarray(0, Math.min(n, head.length - bytesRead)), bytesRead);
        bytesRead += n;
        return n;
      },
    });
    const path = `${dir}/in`;
    FS.mkdev(path, 0o444, dev);
    inputFd = FS.open(path, "r");
    cleanup.push(() => {
      try {
        FS.close(inputFd);
      } catch {
        /* ignore */
      }
      try {
        FS.unlink(path);
      } catch {
        /* ignore */
      }
    });
    inputArg = `pipe:${inputFd.fd}`;
  }

  // ---- outputs ----
  function outputDevice(name: string, onBytes: (b: Uint8Array) => void): string {
    const dev = FS.makedev(deviceMajor++, 0);
    // unregistered after the job: the device closures hold this job's buffers
    cleanup.push(() => {
      Reflect.deleteProperty(FS.devices, dev);
    });
    FS.registerDevice(dev, {
      open(stream: any) {
        stream.seekable = false;
      },
      close() {
        /* nothing */
      },
      write(_stream: any, buffer: Uint8Array, offset: number, length: number): number {
        onBytes(buffer.subarray(offset, offset + length));
        return length;
      },
    });
    const path = `${dir}/${name}`;
    FS.mkdev(path, 0o666, dev);
    cleanup.push(() => {
      try {
        FS.unlink(path);
      } catch {
        /* ignore */
      }
    });
    return path;
  }

  // audio: f32le bytes → Float32Array chunks of job.audioChunk samples
  const audioBytes = job.audioChunk * 4;
  let abuf = new Uint8Array(audioBytes);
  let afill = 0;
  function flushAudio(): void {
    const whole = afill - (afill % 4);
    if (whole === 0) return;
    const out = new Float32Array(abuf.buffer.slice(0, whole));
    const rest = abuf.slice(whole, afill);
    abuf = new Uint8Array(audioBytes);
    abuf.set(rest);
    afill = rest.length;
    postWithCredit({ type: "audio", data: out }, [out.buffer]);
  }
  let audioBytesOut = 0;
  let framesOut = 0;
  const audioPath = outputDevice("a", (b) => {
    audioBytesOut += b.length;
    let off = 0;
    while (off < b.length) {
      const n = Math.min(b.length - off, audioBytes - afill);
      abuf.set(b.subarray(off, off + n), afill);
      afill += n;
      off += n;
      if (afill === audioBytes) flushAudio();
    }
  });

  // video: a stream of binary PPM images (P6 w h 255 + w*h*3 bytes)
  let vhead = new Uint8Array(0);
  let frame: Uint8Array | null = null;
  let fw = 0;
  let fh = 0;
  let ffill = 0;
  function parseHeader(): boolean {
    // "P6" ws width ws height ws maxval single-ws
    const text = String.fromCharCode(...vhead.subarray(0, Math.min(vhead.length, 64)));
    const m = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(text);
    if (m === null) {
      if (vhead.length > 64) throw new Error(`bad PPM header from ffmpeg: ${JSON.stringify(text)}`);
      return false;
    }
    fw = Number(m[1]);
    fh = Number(m[2]);
    frame = new Uint8Array(fw * fh * 3);
    ffill = 0;
    const rest = vhead.subarray(m[0].length);
    vhead = new Uint8Array(0);
    feedFrame(rest);
    return true;
  }
  function feedFrame(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) {
      if (frame === null) {
        const merged = new Uint8Array(vhead.length + b.length - off);
        merged.set(vhead);
        merged.set(b.subarray(off), vhead.length);
        vhead = merged;
        parseHeader();
        return;
      }
      const n = Math.min(b.length - off, frame.length - ffill);
      frame.set(b.subarray(off, off + n), ffill);
      ffill += n;
      off += n;
      if (ffill === frame.length) {
        const done = frame;
        frame = null;
        flushAudio(); // audio written so far goes first, so the host can pair it
        framesOut++;
        postWithCredit({ type: "frame", data: done, width: fw, height: fh }, [done.buffer]);
      }
    }
  }
  const videoPath = job.mode !== "audio" ? outputDevice("v", feedFrame) : null;
  const wantAudio = job.mode !== "video";

  const args = ["-hide_banner", "-nostats", "-i", inputArg];
  if (wantAudio) {
    args.push("-map", "0:a:0", "-ac", "1", "-ar", String(job.sampleRate));
    // flush each packet: the devices are not pipes, so ffmpeg would otherwise
    // buffer up to 256 KB per output and hold audio back behind the frames
    args.push("-flush_packets", "1", "-f", "f32le", audioPath);
  }
  if (videoPath !== null) {
    args.push("-map", "0:v:0");
    if (job.fps > 0) args.push("-vf", `fps=${job.fps}`);
    args.push("-pix_fmt", "rgb24", "-c:v", "ppm", "-flush_packets", "1", "-f", "image2pipe", videoPath);
  }

  let ret: number;
  try {
    try {
      ret = core.exec(...args);
    } catch (e) {
      if (e instanceof Cancelled) return;
      if (Atomics.load(ctrl, CTRL_CANCEL) !== 0) return;
      throw e;
    }
    if (Atomics.load(ctrl, CTRL_CANCEL) !== 0) return;
    // What the input holds, for explaining a failure: the file, or the kept
    // start of a pipe that has ended.
    const view = (): SyncReader | null =>
      reader ??
      (sawEnd
        ? {
            size: bytesRead,
            read: (position, length) =>
              head.subarray(Math.min(position, head.length), Math.min(position + length, head.length)),
          }
        : null);
    if (ret === 0 && videoPath !== null && framesOut === 0 && log.length > 0) {
      // ffmpeg ended well but wrote no frame: either the video decoder failed
      // on every frame (e.g. a 1×1 MPEG-1 video is too small for it), or the
      // video is shorter than half a frame interval, which the fps filter
      // rounds to no frame (a 0.1 s clip at 1 fps): then take its first frame.
      const failedFrames = undecodedFrames(log);
      if (failedFrames !== null) {
        post({ type: "failed", reason: "unsupported-codec", detail: failedFrames });
        return;
      }
      if (reader !== null) {
        flushAudio();
        core.reset();
        core.exec(
          ...["-hide_banner", "-nostats", "-i", inputArg, "-map", "0:v:0", "-vf", `fps=${job.fps}:eof_action=pass`],
          ...["-frames:v", "1", "-pix_fmt", "rgb24", "-c:v", "ppm", "-f", "image2pipe", videoPath],
        );
        if (Atomics.load(ctrl, CTRL_CANCEL) !== 0) return;
      }
    }
    const noFrame = videoPath !== null && framesOut === 0;
    if (ret === 0 && (noFrame || (wantAudio && audioBytesOut === 0))) {
      // ffmpeg ended well but an output it was asked for stayed empty
      // (audio that is there but empty only matters when the file is cut).
      const v = view();
      const cut = v === null ? null : cutShort(v);
      const size = v?.size ?? bytesRead;
      const what = noFrame ? "no video frame" : "no audio";
      if (cut !== null) {
        post({
          type: "failed",
          reason: "truncated",
          detail: `the file ends early (${cut}; ${size} bytes, ${what} in the part there is)`,
        });
        return;
      }
      if (framesOut === 0 && videoPath !== null) {
        post({
          type: "failed",
          reason: "no-video",
          detail: `its video stream holds no frame that decodes (${size} bytes)`,
        });
        return;
      }
    }
    if (ret === 0) {
      flushAudio();
      // ffmpeg decodes an MP4 or WebM cut short up to the cut and ends well:
      // the samples so far went out, but the file is not whole, so say so
      // rather than end as if it were (an hour-long video cut at 82% would
      // silently lose its last 11 minutes). An MPEG program stream has no
      // index to say how long it was: a cut one ends where it ends.
      const v = view();
      const cut = v === null ? null : cutContainer(v);
      if (cut !== null) {
        post({
          type: "failed",
          reason: "truncated",
          detail: `the file ends early (${cut}; ${v!.size} bytes; what is there was decoded)`,
        });
        return;
      }
      post({ type: "done" });
    } else {
      const { reason, detail } = classify(log, bytesRead, reader?.size ?? null, view());
      post({ type: "failed", reason, detail });
    }
  } finally {
    for (const f of cleanup.reverse()) f();
  }
}

/**
 * When ffmpeg's video decoder failed on the frames it read ("Error while
 * decoding stream #0:N" for the video stream), a detail naming the decoder
 * and its own reason; null otherwise.
 */
function undecodedFrames(log: string[]): string | null {
  const text = log.join("\n");
  const video = /Stream #0:(\d+)[^\n]*?: Video: (\w+)/.exec(text);
  if (video === null) return null;
  const [, index, codec] = video;
  if (!new RegExp(`Error while decoding stream #0:${index}\\b`).test(text)) return null;
  const said = log
    .map((l) => new RegExp(`^\\[${codec} @ [^\\]]+\\] (.+)`).exec(l.trim())?.[1])
    .find((m) => m !== undefined);
  const size = /Video: [^\n]*?, (\d+)x(\d+)/.exec(text)?.slice(1).join("×");
  return `ffmpeg.wasm's ${codec} decoder could not decode any of its ${size === undefined ? "" : `${size} `}frames${said === undefined ? "" : ` (${said.trim()})`}`;
}

/** Maps ffmpeg's log to a DecodeError reason and a one-line detail. */
function classify(
  log: string[],
  bytesRead: number,
  size: number | null,
  reader: SyncReader | null = null,
): { reason: string; detail: string } {
  const text = log.join("\n");
  const errLine = (
    [...log].reverse().find((l) => /error|invalid|not found|matches no|could not/i.test(l)) ??
    log.at(-1) ??
    ""
  )
    .trim()
    .replace(/^\/job\d+\/[^:]*: /, "")
    .replace(/^pipe:\d+: /, "");
  if (size === 0 || (size === null && bytesRead === 0))
    return { reason: "empty", detail: "the input is empty (0 bytes)" };
  // A file cut short (a copy or download interrupted, a full disk): say so
  // before anything else, since ffmpeg then also fails to find codec
  // parameters, which reads as a missing decoder.
  const got = size ?? bytesRead;
  const ends = (what: string) => ({ reason: "truncated", detail: `the file ends early (${what}; ${got} bytes)` });
  const moovMissing = /moov atom not found/.test(text);
  const walk = reader === null ? null : walkMp4(reader);
  if (walk !== null) {
    const noIndex = moovMissing ? "; its index is missing" : "";
    if (walk.damaged !== null) return { reason: "corrupt", detail: `the MP4 is damaged (${walk.damaged}${noIndex})` };
    if (walk.cut !== null)
      return ends(
        walk.cut === "moov"
          ? "its index is cut off"
          : moovMissing
            ? "its index is missing"
            : "the frames its index lists are cut off",
      );
    // Whole boxes up to the end and no moov: the index that comes last is missing.
    if (moovMissing) return ends("its index is missing");
  } else if (moovMissing && reader === null && !/misdetection possible/.test(text)) {
    return ends("its index is missing");
  }
  const cut = reader === null ? null : cutShort(reader);
  if (/atom truncated|truncated (?:header|file)|EOF inside/i.test(text)) return ends("its index is cut off");
  if (/: partial file/.test(text)) return ends("the frames its index lists are cut off");
  const noAudio = /Stream map '0:a:0' matches no streams/.test(text);
  const noVideo = /Stream map '0:v:0' matches no streams/.test(text);
  // A stream missing from a file cut short may just lie past the cut.
  if ((noAudio || noVideo) && cut !== null)
    return ends(`${cut}, no ${noAudio ? "audio" : "video"} stream in the part there is`);
  if (noAudio) return { reason: "no-audio", detail: "no audio stream" };
  if (noVideo) return { reason: "no-video", detail: "no video stream" };
  const codec =
    /Decoder \(codec (\w+)\) not found/.exec(text) ??
    /doesn't sup+ort hardware accelerated (\w+) decoding/.exec(text) ??
    /Could not find codec parameters for stream \d+ \((?:Video|Audio): (\w+)/.exec(text);
  if (codec !== null && codec[1]!.toLowerCase() !== "none") {
    return {
      reason: "unsupported-codec",
      detail: `unsupported codec ${codec[1]!.toLowerCase()} (ffmpeg.wasm has no decoder for it)`,
    };
  }
  if (/Error while opening decoder|Failed to get pixel format|no decoder found/i.test(text)) {
    return {
      reason: "unsupported-codec",
      detail: `unsupported codec (${errLine})`,
    };
  }
  return { reason: "corrupt", detail: `not a decodable video (${errLine})` };
}

/**
 * How the container shows it was cut short (an MP4 box, an MPEG program
 * stream packet or a Matroska/WebM segment that runs past the end of the
 * file), or null when it does not (or the container is none of these).
 */
function cutShort(reader: SyncReader): string | null {
  const mp4 = walkMp4(reader);
  if (mp4?.cut != null) return mp4.cut === "moov" ? "its index is cut off" : `its ${mp4.cut} box is cut off`;
  if (walkMpegPs(reader)) return "its last packet is cut off";
  if (walkEbml(reader)) return "its segment is cut off";
  return null;
}

/** Like {@linkcode cutShort}, for the containers whose headers give their length (MP4, Matroska/WebM). */
function cutContainer(reader: SyncReader): string | null {
  const mp4 = walkMp4(reader);
  if (mp4?.cut != null) return mp4.cut === "moov" ? "its index is cut off" : `its ${mp4.cut} box is cut off`;
  if (walkEbml(reader)) return "its segment is cut off";
  return null;
}

/** Whether an MPEG program stream (.mpg, .vob) has a pack or packet that runs past the end of the file. */
function walkMpegPs(reader: SyncReader): boolean {
  let at = 0;
  for (let packets = 0; at + 6 <= reader.size && packets < 1_000_000; packets++) {
    const h = reader.read(at, 14);
    if (h.length < 6 || h[0] !== 0 || h[1] !== 0 || h[2] !== 1) return false; // not a start code: cannot tell
    const code = h[3]!;
    if (code === 0xb9) return false; // program end
    let size: number;
    if (code === 0xba) {
      if ((h[4]! & 0xf0) === 0x20)
        size = 12; // MPEG-1 pack header
      else if ((h[4]! & 0xc0) === 0x40) {
        if (h.length < 14) return at + 14 > reader.size;
        size = 14 + (h[13]! & 7); // MPEG-2, with stuffing
      } else return false;
    } else if (code >= 0xbb) size = 6 + ((h[4]! << 8) | h[5]!);
    else return false;
    if (at + size > reader.size) return packets > 0;
    at += size;
  }
  return false;
}

/** Whether a Matroska/WebM file's segment (of known size) runs past the end of the file. */
function walkEbml(reader: SyncReader): boolean {
  const h = reader.read(0, 64);
  if (h.length < 8 || h[0] !== 0x1a || h[1] !== 0x45 || h[2] !== 0xdf || h[3] !== 0xa3) return false;
  const vint = (at: number): { value: number; length: number; unknown: boolean } | null => {
    const first = h[at];
    if (first === undefined || first === 0) return null;
    const length = Math.clz32(first) - 23;
    if (at + length > h.length) return null;
    let value = first & (0xff >> length);
    let allOnes = value === 0xff >> length;
    for (let i = 1; i < length; i++) {
      value = value * 256 + h[at + i]!;
      allOnes &&= h[at + i] === 0xff;
    }
    return { value, length, unknown: allOnes };
  };
  const headerSize = vint(4);
  if (headerSize === null) return false;
  const seg = 4 + headerSize.length + headerSize.value;
  if (seg + 4 > h.length || h[seg] !== 0x18 || h[seg + 1] !== 0x53 || h[seg + 2] !== 0x80 || h[seg + 3] !== 0x67)
    return false;
  const segSize = vint(seg + 4);
  if (segSize === null || segSize.unknown) return false;
  return seg + 4 + segSize.length + segSize.value > reader.size;
}

/**
 * Walks the top-level boxes of an MP4 (a file starting with an `ftyp` box;
 * null for anything else): `damaged` says where a box header is not one
 * (its type not four printable characters, its size below 8), `cut` names
 * the box that runs past the end of the file (the file was cut short).
 */
function walkMp4(reader: SyncReader): { damaged: string | null; cut: string | null } | null {
  if (reader.size < 8) return null;
  const first = reader.read(0, 8);
  if (new TextDecoder().decode(first.subarray(4, 8)) !== "ftyp") return null;
  let at = 0;
  for (let boxes = 0; at + 8 <= reader.size && boxes < 10_000; boxes++) {
    const h = reader.read(at, 16);
    if (h.length < 8) return { damaged: null, cut: null }; // past what is known of a pipe
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const typeBytes = h.subarray(4, 8);
    if (!typeBytes.every((b) => b >= 0x20 && b < 0x7f)) return { damaged: `no valid box at byte ${at}`, cut: null };
    const type = new TextDecoder().decode(typeBytes);
    let size = view.getUint32(0);
    if (size === 0) return { damaged: null, cut: null }; // to the end of the file
    if (size === 1) {
      if (h.length < 16) return { damaged: null, cut: type };
      size = Number(view.getBigUint64(8));
    }
    if (size < 8) return { damaged: `a box of ${size} bytes at byte ${at}`, cut: null };
    if (at + size > reader.size) return { damaged: null, cut: type };
    at += size;
  }
  return { damaged: null, cut: at > reader.size ? "?" : null };
}
