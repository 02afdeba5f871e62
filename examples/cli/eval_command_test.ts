import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { cli, smallDemoSet } from "../../test/fixtures/cli_io.ts";

const root = await mkdtemp(join(tmpdir(), "cmpc-eval-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));
const set = await smallDemoSet(join(root, "data"), 3, 2);
const model = join(root, "model");
const trained = await cli(["train", set.dir, "--config", "tiny", "--steps", "2", "--backend", "wasm", "--out", model]);
if (trained.code !== 0) throw new Error(trained.stderr);

t.test(
  "cmpc eval --protocol vfal on demo videos: table on stdout, eval.json with a threshold and plots/roc.svg in the run folder",
  async (t) => {
    const r = await cli(["eval", "--protocol", "vfal", "--data", set.dir, "--model", model, "--limit", "40"]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout.toString(), /verification\s+vfal pairs\s+40/);
    t.match(r.stdout.toString(), /vfal-eva 1:2 v2f \/ f2v/);
    const saved = JSON.parse(await readFile(join(model, "eval.json"), "utf8")) as { threshold: number };
    t.ok(Number.isFinite(saved.threshold), "EER threshold stored for cmpc match");
    t.ok((await readFile(join(model, "plots/roc.svg"), "utf8")).includes("<svg"));
    const json = await cli(["eval", "--data", set.dir, "--model", model, "--limit", "20", "--format", "json"]);
    t.equal(json.code, 0, json.stderr);
    const j = JSON.parse(json.stdout.toString()) as { protocol: string; results: { kind: string }[] };
    t.equal(j.protocol, "vfal", "vfal is the default without --lists");
    t.same(
      j.results.map((x) => x.kind),
      ["verification", "vfal-eva"],
    );
    const latest = JSON.parse(await readFile(join(model, "eval.json"), "utf8")) as { threshold: number };
    const m = await cli(["match", "--video", join(set.dir, set.videos[0]!.file), "--model", model]);
    t.equal(
      (JSON.parse(m.stdout.toString()) as { threshold: number }).threshold,
      latest.threshold,
      "match --video uses the stored threshold",
    );
  },
);

const ffmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
t.test(
  "cmpc eval --lists --data: official-format lists over a generated VoxCeleb1 tree (a missing file drops its pairs)",
  { skip: ffmpeg ? false : "native ffmpeg absent (needed to write the wav/jpg tree)" },
  async (t) => {
    const vox = join(root, "vox1");
    const lists = join(root, "lists");
    const ids = [...new Set(set.videos.map((v) => v.identity))];
    const meta = ["VoxCeleb1 ID\tVGGFace1 ID\tGender\tNationality\tSet"];
    const items: { id: number; name: string; vox: string; yt: string }[] = [];
    for (const [i, identity] of ids.entries()) {
      const vox1 = `id1000${i}`;
      const name = `Person_${i}`;
      meta.push(`${vox1}\t${name}\tm\tNowhere\ttest`);
      for (const [k, v] of set.videos.filter((x) => x.identity === identity).entries()) {
        const yt = `yt${i}v${k}`.padEnd(11, "x"); // YouTube ids are 11 characters
        const wavDir = join(vox, "wav", vox1, yt);
        const jpgDir = join(vox, "unzippedFaces", name, "1.6", yt);
        await mkdir(wavDir, { recursive: true });
        await mkdir(jpgDir, { recursive: true });
        const src = join(set.dir, v.file);
        t.equal(
          spawnSync("ffmpeg", [
            "-v",
            "error",
            "-y",
            "-i",
            src,
            "-ac",
            "1",
            "-ar",
            "16000",
            "-c:a",
            "pcm_s16le",
            join(wavDir, "00001.wav"),
          ]).status,
          0,
        );
        t.equal(
          spawnSync("ffmpeg", ["-v", "error", "-y", "-i", src, "-frames:v", "1", join(jpgDir, "0000001.jpg")]).status,
          0,
        );
        items.push({ id: i, name, vox: vox1, yt });
      }
    }
    await mkdir(join(lists, "veriflist"), { recursive: true });
    await mkdir(join(lists, "matching"), { recursive: true });
    await writeFile(join(lists, "vox1_meta.csv"), `${meta.join("\n")}\n`);
    const rows = ["id,voice-speaker-id,face-speaker-id,label,voice-path,face-path"];
    let n = 0;
    for (const a of items)
      for (const b of items)
        rows.push(
          `${++n},${a.id},${b.id},${a.id === b.id ? 1 : 0},${a.name}/${a.yt}_0000001.wav,${b.name}/${b.yt}/0000001.jpg`,
        );
    rows.push(
      `${n + 1},0,0,1,${items[0]!.name}/${items[0]!.yt}_0000002.wav,${items[0]!.name}/${items[0]!.yt}/0000001.jpg`,
    ); // no such wav
    await writeFile(join(lists, "veriflist", "veriflist_test_random_unseenunheard.txt"), `${rows.join("\n")}\n`);
    const trials = items.map((a) => {
      const b = items.find((x) => x.id !== a.id)!;
      return `${a.vox}/${a.yt}/00001.wav ${a.name}/1.6/${a.yt}/0000001.jpg ${b.name}/1.6/${b.yt}/0000001.jpg`;
    });
    await writeFile(join(lists, "matching", "matching_v2f_U.csv"), `${trials.join("\n")}\n`);

    const out = join(root, "official-report");
    const r = await cli(["eval", "--lists", lists, "--data", vox, "--model", model, "--out", out, "--format", "json"]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /not found in .* \(skipped\): .*veriflist_test_G_unseenunheard\.txt/, "absent lists are named");
    const j = JSON.parse(r.stdout.toString()) as {
      protocol: string;
      threshold: number;
      results: {
        kind: string;
        name: string;
        pairs?: number;
        trials?: number;
        auc?: number;
        dropped: { units: number };
      }[];
    };
    t.equal(j.protocol, "official");
    const ver = j.results.find((x) => x.kind === "verification")!;
    t.equal(ver.pairs, items.length ** 2, "every listed pair with files scored");
    t.equal(ver.dropped.units, 1, "the pair with a missing wav is dropped and reported");
    t.ok(ver.auc! >= 0 && ver.auc! <= 1);
    t.ok(j.results.some((x) => x.kind === "matching" && x.name === "v2f_U"));
    t.ok(existsSync(join(out, "plots", "roc.svg")) && existsSync(join(out, "eval.json")));
    const missingWav = join(vox, "wav", items[0]!.vox, items[0]!.yt, "00002.wav");
    t.same(
      (j as unknown as { missing: unknown }).missing,
      { files: 1, of: items.length * 2 + 1, voices: 1, faces: 0, examples: [missingWav] },
      "the report counts the missing file",
    );
    t.match(r.stderr, `missing: 1 of ${items.length * 2 + 1} listed files (1 voices, 0 faces) are not in "${vox}"`);
    const table = await cli(["eval", "--lists", lists, "--data", vox, "--model", model, "--out", out]);
    t.equal(table.code, 0, table.stderr);
    t.match(
      table.stdout.toString(),
      `missing: 1 of ${items.length * 2 + 1} listed files (1 voices, 0 faces), e.g. ${missingWav}`,
    );

    // --strict: the same missing file is fatal, and named.
    const strict = await cli(["eval", "--lists", lists, "--data", vox, "--model", model, "--out", out, "--strict"]);
    t.equal(strict.code, 1);
    t.match(
      strict.stderr,
      `cmpc eval: Cannot evaluate with --strict: 1 of ${items.length * 2 + 1} listed files are missing from "${vox}": ${missingWav}`,
    );
    t.equal(strict.stdout.length, 0);

    // A list whose files are all missing is named in the report; the others are still scored.
    const partly = join(root, "lists-partly");
    await mkdir(join(partly, "veriflist"), { recursive: true });
    await mkdir(join(partly, "matching"), { recursive: true });
    await writeFile(join(partly, "vox1_meta.csv"), `${meta.join("\n")}\n`);
    const gone = [
      rows[0],
      ...items.flatMap((a, i) => {
        const yt = `nowhere${i}`.padEnd(11, "z");
        return [
          `${2 * i + 1},0,0,1,${a.name}/${yt}_0000001.wav,${a.name}/${yt}/0000001.jpg`,
          `${2 * i + 2},0,1,0,${a.name}/${yt}_0000001.wav,${a.name}/${yt}/0000002.jpg`,
        ];
      }),
    ];
    await writeFile(join(partly, "veriflist", "veriflist_test_random_unseenunheard.txt"), `${gone.join("\n")}\n`);
    await writeFile(join(partly, "matching", "matching_v2f_U.csv"), `${trials.join("\n")}\n`);
    const p = await cli([
      "eval",
      "--lists",
      partly,
      "--data",
      vox,
      "--model",
      model,
      "--out",
      join(root, "partly-out"),
      "--format",
      "json",
    ]);
    t.equal(p.code, 0, p.stderr);
    const pj = JSON.parse(p.stdout.toString()) as {
      results: { kind: string; name: string }[];
      missing: { files: number; voices: number; faces: number };
      unscored: { list: string; reason: string }[];
    };
    t.same(
      pj.results.map((x) => `${x.kind} ${x.name}`),
      ["matching v2f_U"],
      "the matching list is still scored",
    );
    t.same(
      pj.unscored.map((u) => u.list),
      ["verification random_unseenunheard"],
      "the list with nothing to score is named",
    );
    t.match(pj.unscored[0]!.reason, `0 of ${2 * items.length} pairs scored (${2 * items.length} dropped)`);
    t.same([pj.missing.voices, pj.missing.faces], [items.length, 2 * items.length], "its missing files are counted");
    t.match(p.stderr, "not scored: verification random_unseenunheard:");

    // Every list's files missing: the report still comes out (exit 1), eval.json is not overwritten.
    const none = join(root, "lists-none");
    await mkdir(join(none, "veriflist"), { recursive: true });
    await writeFile(join(none, "vox1_meta.csv"), `${meta.join("\n")}\n`);
    await writeFile(join(none, "veriflist", "veriflist_test_random_unseenunheard.txt"), `${gone.join("\n")}\n`);
    const before = await readFile(join(out, "eval.json"), "utf8");
    const allGone = await cli(["eval", "--lists", none, "--data", vox, "--model", model, "--out", out]);
    t.equal(allGone.code, 1);
    t.match(allGone.stderr, `cmpc eval: Cannot evaluate: no list in "${none}" could be scored`);
    t.match(
      allGone.stdout.toString(),
      `missing: ${3 * items.length} of ${3 * items.length} listed files (${items.length} voices, ${2 * items.length} faces)`,
    );
    t.match(allGone.stdout.toString(), "not scored: verification random_unseenunheard: ");
    t.equal(await readFile(join(out, "eval.json"), "utf8"), before, "eval.json keeps the last good report");

    // The same tree as a VoxCeleb1 root to train on (meta + identity split file, all identities in split 1).
    await writeFile(join(vox, "vox1_meta.csv"), `${meta.join("\n")}\n`);
    await writeFile(join(vox, "identity_splits.txt"), `${ids.map((_, i) => `Person_${i} 1`).join("\n")}\n`);
    const voxRun = join(root, "vox-run");
    const tr = await cli(["train", vox, "--config", "tiny", "--steps", "2", "--backend", "wasm", "--out", voxRun]);
    t.equal(tr.code, 0, tr.stderr);
    t.match(tr.stderr, /reading the VoxCeleb1 tree/);
    t.equal(
      (JSON.parse(tr.stdout.toString()) as { videos: number }).videos,
      items.length,
      "one instance per (identity, YouTube video)",
    );
  },
);

t.test("cmpc eval: usage errors", async (t) => {
  t.equal((await cli(["eval"])).code, 2, "--data is required");
  t.equal((await cli(["eval", "--protocol", "official", "--data", root])).code, 2, "official needs --lists");
  t.equal((await cli(["eval", "--protocol", "x", "--data", root])).code, 2);
  t.equal((await cli(["eval", "--data", root, "--limit", "0"])).code, 2);
});
