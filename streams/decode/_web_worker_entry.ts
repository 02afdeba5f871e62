// This module is browser compatible.
// The Web Worker entry of the browser decoder (started by `webDecoderWorker`).
import type { FfmpegCore, SyncReader } from "./_ffmpeg_session.ts";
import type { HostMessage, WorkerInput, WorkerJob, WorkerMessage } from "./_protocol.ts";
import { bytesReader, workerMain } from "./_worker_main.ts";

interface WorkerScope {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
  addEventListener(type: "message", fn: (e: MessageEvent<HostMessage>) => void): void;
}
declare const FileReaderSync: new () => {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
};
const scope = globalThis as unknown as WorkerScope;

async function loadCore(job: WorkerJob): Promise<FfmpegCore> {
  const spec = job.coreURL ?? "@ffmpeg/core";
  const mod = (await import(/* @vite-ignore */ spec)) as {
    default: (o: object) => Promise<FfmpegCore>;
  };
  const wasmURL = job.wasmURL ?? new URL("ffmpeg-core.wasm", job.coreURL ?? import.meta.url).href;
  const wasmBinary = new Uint8Array(await (await fetch(wasmURL)).arrayBuffer());
  return mod.default({ wasmBinary });
}

function blobReader(blob: Blob): SyncReader {
  const fr = new FileReaderSync();
  return {
    size: blob.size,
    read(position: number, length: number): Uint8Array {
      return new Uint8Array(fr.readAsArrayBuffer(blob.slice(position, position + length)));
    },
  };
}

function reader(input: WorkerInput): SyncReader | null {
  switch (input.kind) {
    case "bytes":
      return bytesReader(input.bytes);
    case "blob":
      return blobReader(input.blob);
    case "remote":
      return null;
    case "file":
      throw new TypeError(`Cannot decode "${input.name}": file paths need the Node worker`);
  }
}

const handle = workerMain({
  loadCore,
  reader,
  post(msg: WorkerMessage, transfer?: Transferable[]): void {
    scope.postMessage(msg, transfer ?? []);
  },
});
scope.addEventListener("message", (e) => {
  void handle(e.data);
});
