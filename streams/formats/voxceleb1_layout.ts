// This module is browser compatible.

/** VGGFace1 name → VoxCeleb1 ID, as a map, a record, or `vox1_meta.csv` rows (`{id, name}`). */
export type Voxceleb1NameToId =
  ReadonlyMap<string, string> | Readonly<Record<string, string>> | readonly { id: string; name: string }[];

/** Normalises a {@linkcode Voxceleb1NameToId} to a Map. */
export function voxceleb1NameMap(names: Voxceleb1NameToId): ReadonlyMap<string, string> {
  if (names instanceof Map) return names as ReadonlyMap<string, string>;
  if (Array.isArray(names))
    return new Map((names as readonly { id: string; name: string }[]).map((r) => [r.name, r.id]));
  return new Map(Object.entries(names as Readonly<Record<string, string>>));
}

const VOICE = /^([^/]+)\/([A-Za-z0-9_-]{11})_(\d{7})\.[A-Za-z0-9]+$/;

/**
 * Maps a Learnable-PINs voice path onto the VoxCeleb1 layout as the official
 * CMPC loader does: `Name/<11-char YouTube id>_<7-digit utterance>.wav` →
 * `<VoxCeleb1 id>/<YouTube id>/<last 5 digits><ext>`. Returns `null` when the
 * path does not have that form (the caller names file and line); throws a
 * RangeError naming the VGGFace1 name when it is not in the table.
 *
 * @example
 * ```ts
 * import { voxceleb1VoicePath } from "./voxceleb1_layout.ts";
 * voxceleb1VoicePath("A.R._Rahman/gaQqIoV_aLY_0000001.wav", { "A.R._Rahman": "id10002" });
 * // "id10002/gaQqIoV_aLY/00001.wav"
 * ```
 */
export function voxceleb1VoicePath(listed: string, names: Voxceleb1NameToId, ext = ".wav"): string | null {
  const m = VOICE.exec(listed);
  if (m === null) return null;
  const id = voxceleb1NameMap(names).get(m[1]!);
  if (id === undefined)
    throw new RangeError(`Cannot map "${listed}": "${m[1]!}" is not a VGGFace1 name in vox1_meta.csv`);
  return `${id}/${m[2]!}/${m[3]!.slice(2)}${ext}`;
}

/**
 * Maps a Learnable-PINs face path onto the VoxCeleb1 face-crop layout:
 * `Name/<YouTube id>/<frame>.jpg` → `Name/1.6/<YouTube id>/<frame>.jpg`
 * (the 1.6-scale crops). Returns `null` for a path without a `/`.
 *
 * @example
 * ```ts
 * import { voxceleb1FacePath } from "./voxceleb1_layout.ts";
 * voxceleb1FacePath("A.R._Rahman/QanuGhOhb9A/0035550.jpg"); // "A.R._Rahman/1.6/QanuGhOhb9A/0035550.jpg"
 * ```
 */
export function voxceleb1FacePath(listed: string): string | null {
  const parts = listed.split("/");
  if (parts.length < 2 || parts.some((p) => p === "")) return null;
  return [parts[0]!, "1.6", ...parts.slice(1)].join("/");
}
