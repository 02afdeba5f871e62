/**
 * Node-only parts of `streams/` (file system, worker_threads, atomic writes,
 * the on-disk feature cache). Import from `cmpc-stream/streams/node`; the
 * browser-compatible API is in `streams/mod.ts`.
 *
 * @module
 */
export {};
