// This module is browser compatible.
// The message loop shared by the Node worker_thread and the browser Web Worker.
import { runSession, type FfmpegCore, type Post, type SyncReader } from "./_ffmpeg_session.ts";
import type { HostMessage, WorkerInput, WorkerJob } from "./_protocol.ts";

export interface WorkerPlatform {
  loadCore(job: WorkerJob): Promise<FfmpegCore>;
  /** A random-access reader for the input, or null for host-served sequential input. */
  reader(input: WorkerInput): SyncReader | null;
  post: Post;
}

/** Handles one `start` message (one job at a time; the core is loaded once and reused). */
export function workerMain(platform: WorkerPlatform): (msg: HostMessage) => Promise<void> {
  let core: Promise<FfmpegCore> | null = null;
  return async function onMessage(msg: HostMessage): Promise<void> {
    try {
      core ??= platform.loadCore(msg.job);
      const c = await core;
      const reader = platform.reader(msg.job.input);
      runSession(c, msg.job, reader, platform.post);
    } catch (e) {
      platform.post({
        type: "failed",
        reason: "internal",
        detail: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
    }
  };
}

/** A reader over bytes held by the worker. */
export function bytesReader(bytes: Uint8Array): SyncReader {
  return {
    size: bytes.length,
    read(position: number, length: number): Uint8Array {
      return bytes.subarray(position, position + length);
    },
  };
}
