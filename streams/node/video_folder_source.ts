import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, dirname, relative, resolve, sep } from "node:path";
import type { DatasetVideo } from "../formats/dataset_video.ts";
import { parseManifest } from "../formats/parse_manifest.ts";
import { compareCodeUnits } from "../formats/_compare_code_units.ts";

/** Options for {@linkcode videoFolderSource}. */
export interface VideoFolderSourceOptions {
  /**
   * A manifest CSV (`file,identity,...`) giving identities; its `file` paths
   * are relative to the manifest's folder (matched by resolved path, then by
   * base name). Without one, every identity is null.
   * @default undefined
   */
  manifest?: string;
  /**
   * File extensions (lowercase, without the dot) taken from folders; listed
   * files are taken whatever their extension.
   * @default ["mp4", "m4v", "mov", "mkv", "webm", "mpg", "mpeg", "avi"]
   */
  extensions?: string[];
  /**
   * Descend into sub-folders.
   * @default true
   */
  recursive?: boolean;
  /**
   * Keep only files the manifest lists (requires `manifest`).
   * @default false
   */
  manifestOnly?: boolean;
}

const VIDEO_EXTENSIONS = ["mp4", "m4v", "mov", "mkv", "webm", "mpg", "mpeg", "avi"];

/**
 * Lists the training videos in folders and/or files, sorted by path (UTF-16
 * code-unit order); a video's `index` is its position in that list (its
 * memory-bank slot). `videoId` is the path relative to the folder it was
 * found in (the base name for a listed file). Identities come from an
 * optional manifest CSV such as `../shared/data/grid/manifest.csv`.
 *
 * @param pathsOrDirs One or more folders or video files.
 * @throws {TypeError} When a path does not exist (the message names it).
 *
 * @example
 * ```ts
 * import { videoFolderSource } from "cmpc-stream/streams/node";
 * const videos = await videoFolderSource("data/grid", { manifest: "data/grid/manifest.csv" });
 * console.log(videos.length, videos[0]); // 47 { index: 0, path: ".../lipnet__bbaf2n.mpg", identity: "grid_s1", ... }
 * ```
 */
export async function videoFolderSource(
  pathsOrDirs: string | string[],
  options: VideoFolderSourceOptions = {},
): Promise<DatasetVideo[]> {
  const extensions = new Set((options.extensions ?? VIDEO_EXTENSIONS).map((e) => e.toLowerCase().replace(/^\./, "")));
  const recursive = options.recursive ?? true;
  const found = new Map<string, string>(); // absolute path → videoId
  for (const p of Array.isArray(pathsOrDirs) ? pathsOrDirs : [pathsOrDirs]) {
    const abs = resolve(p);
    let st;
    try {
      st = await stat(abs);
    } catch {
      throw new TypeError(`Cannot list videos in "${p}": no such file or folder`);
    }
    if (st.isDirectory()) {
      for (const file of await walk(abs, recursive)) {
        const ext = file.slice(file.lastIndexOf(".") + 1).toLowerCase();
        if (file.lastIndexOf(".") > file.lastIndexOf(sep) && extensions.has(ext) && !found.has(file)) {
          found.set(file, relative(abs, file).split(sep).join("/"));
        }
      }
    } else if (!found.has(abs)) {
      found.set(abs, basename(abs));
    }
  }
  const byPath = new Map<string, string | null>();
  const byName = new Map<string, string | null>();
  if (options.manifest !== undefined) {
    const root = dirname(resolve(options.manifest));
    const rows = parseManifest(await readFile(options.manifest, "utf8"), options.manifest);
    for (const row of rows) {
      byPath.set(resolve(root, row.file), row.identity);
      byName.set(basename(row.file), row.identity);
    }
  }
  const paths = [...found.keys()].sort(compareCodeUnits);
  const videos: DatasetVideo[] = [];
  for (const path of paths) {
    const listed = byPath.has(path) || byName.has(basename(path));
    if (options.manifestOnly === true && !listed) continue;
    const identity = byPath.get(path) ?? byName.get(basename(path)) ?? null;
    videos.push({ index: videos.length, path, identity, videoId: found.get(path)! });
  }
  return videos;
}

async function walk(dir: string, recursive: boolean, seen = new Set<string>()): Promise<string[]> {
  // Symbolic links are followed (datasets are often linked together); `seen` (real paths) stops a loop.
  const real = await realpath(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const full = resolve(dir, e.name);
    let kind: "dir" | "file" | null = e.isDirectory() ? "dir" : e.isFile() ? "file" : null;
    if (e.isSymbolicLink()) {
      const target = await stat(full).catch(() => null); // a dangling link is left out
      kind = target === null ? null : target.isDirectory() ? "dir" : target.isFile() ? "file" : null;
    }
    if (kind === "dir") {
      if (recursive) out.push(...(await walk(full, true, seen)));
    } else if (kind === "file") {
      out.push(full);
    }
  }
  return out;
}
