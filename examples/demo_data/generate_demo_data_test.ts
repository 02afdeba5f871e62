import t from "tap";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDemoData } from "./generate_demo_data.ts";
import { faceTraits, voiceTraits, type IdentityAttributes } from "./identity.ts";
import { nonSpeech } from "./soundtrack.ts";
import { synthVoice } from "./synth_voice.ts";
import { Rng } from "../../models/mod.ts";

function hasFfprobe(): boolean {
  try {
    execFileSync("ffprobe", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

t.test("generateDemoData() is deterministic per seed and decodes to the expected sizes", async (t) => {
  const a = await mkdtemp(join(tmpdir(), "cmpc-demo-a-"));
  const b = await mkdtemp(join(tmpdir(), "cmpc-demo-b-"));
  t.teardown(() => Promise.all([rm(a, { recursive: true }), rm(b, { recursive: true })]));
  const opts = { trainIdentities: 1, testIdentities: 1, videosPerIdentity: 1, seconds: 2, fps: 5, size: 96, seed: 5 };
  const s1 = await generateDemoData(a, opts);
  await generateDemoData(b, opts);
  t.equal(s1.videos.length, 2);
  t.same(
    s1.videos.map((v) => v.split),
    ["train", "test"],
  );
  for (const v of s1.videos) {
    const h1 = createHash("sha256")
      .update(await readFile(join(a, v.file)))
      .digest("hex");
    const h2 = createHash("sha256")
      .update(await readFile(join(b, v.file)))
      .digest("hex");
    t.equal(h1, h2, `${v.file} is byte-identical across runs`);
  }
  const other = await generateDemoData(b, { ...opts, seed: 6 });
  t.not(
    createHash("sha256")
      .update(await readFile(join(b, other.videos[0]!.file)))
      .digest("hex"),
    createHash("sha256")
      .update(await readFile(join(a, s1.videos[0]!.file)))
      .digest("hex"),
    "another seed gives another video",
  );
  const manifest = await readFile(s1.manifest, "utf8");
  t.match(manifest, /^file,identity,split,/);
  if (!hasFfprobe()) {
    t.comment("SKIP decode check: native ffprobe is absent (bash scripts/setup-peers.sh installs it)");
    return;
  }
  for (const v of s1.videos) {
    const out = execFileSync("ffprobe", [
      "-v",
      "error",
      "-show_entries",
      "stream=codec_type,width,height,duration,sample_rate",
      "-of",
      "json",
      join(a, v.file),
    ]);
    const streams = (JSON.parse(out.toString()) as { streams: Record<string, string | number>[] }).streams;
    const video = streams.find((s) => s.codec_type === "video")!;
    const audio = streams.find((s) => s.codec_type === "audio")!;
    t.equal(video.width, 96);
    t.equal(video.height, 96);
    t.equal(Number(audio.sample_rate), 16000);
    t.ok(Math.abs(Number(video.duration) - 2) < 0.05, `video lasts 2 s (${video.duration})`);
    t.ok(Math.abs(Number(audio.duration) - 2) < 0.1, `audio lasts 2 s (${audio.duration})`);
  }
});

t.test("voiceTraits() and faceTraits() are monotone in each attribute", (t) => {
  const at = (k: keyof IdentityAttributes, x: number): IdentityAttributes => ({
    size: 0.5,
    tract: 0.5,
    spread: 0.5,
    [k]: x,
  });
  const xs = [0, 0.25, 0.5, 0.75, 1];
  const mono = (f: (x: number) => number, dir: 1 | -1) =>
    xs.every((x, i) => i === 0 || dir * (f(x) - f(xs[i - 1]!)) > 0);
  t.ok(
    mono((x) => voiceTraits(at("size", x)).f0, -1),
    "pitch falls with size",
  );
  t.ok(
    mono((x) => faceTraits(at("size", x)).aspect, -1),
    "the face widens (height/width falls) with size",
  );
  t.ok(
    mono((x) => voiceTraits(at("tract", x)).formantScale, -1),
    "formants fall with tract",
  );
  t.ok(
    mono((x) => faceTraits(at("tract", x)).eyeHeight, 1),
    "the eye line rises with tract",
  );
  t.ok(
    mono((x) => voiceTraits(at("spread", x)).tilt, 1),
    "spectral tilt grows with spread",
  );
  t.ok(
    mono((x) => faceTraits(at("spread", x)).eyeSpacing, 1),
    "eye spacing grows with spread",
  );
  t.end();
});

t.test("synthVoice() is harmonic at the identity's pitch", (t) => {
  const v = voiceTraits({ size: 0.2, tract: 0.5, spread: 0.5 });
  const { pcm } = synthVoice(v, { seconds: 1.5, rate: 1, snrDb: 40 }, new Rng(1));
  t.ok(pcm.every(Number.isFinite), "finite samples");
  // Strongly periodic at the pitch period: high normalised autocorrelation at 1/f0.
  const sr = 16000;
  const ac = (lag: number) => {
    let s = 0;
    for (let i = 0; i + lag < pcm.length; i++) s += pcm[i]! * pcm[i + lag]!;
    return s;
  };
  const period = Math.round(sr / v.f0);
  let best = -Infinity;
  for (let d = -2; d <= 2; d++) best = Math.max(best, ac(period + d) / ac(0));
  t.ok(best > 0.3, `normalised autocorrelation at the pitch period ${best.toFixed(2)}`);
  t.ok(ac(Math.round(period * 1.5)) / ac(0) < best, "lower half a period later");
  t.end();
});

t.test("generateDemoData() with faults: truth labels, group attribute, clean test videos", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "cmpc-demo-faults-"));
  t.teardown(() => rm(dir, { recursive: true }));
  const set = await generateDemoData(dir, {
    trainIdentities: 6,
    testIdentities: 2,
    trainVideosPerIdentity: 4,
    testVideosPerIdentity: 2,
    seconds: 1,
    fps: 2,
    size: 64,
    seed: 3,
    groupShare: 0.5,
    deviatingFraction: 0.5,
  });
  t.equal(set.videos.length, 6 * 4 + 2 * 2, "per-split videos per identity");
  const train = set.videos.filter((v) => v.split === "train");
  const test = set.videos.filter((v) => v.split === "test");
  t.ok(
    test.every((v) => v.truth === "own"),
    "test videos stay clean",
  );
  const deviating = train.filter((v) => v.truth !== "own");
  t.ok(
    deviating.length >= 6 && deviating.length <= 18,
    `${deviating.length} of 24 training videos deviate (0.5 asked)`,
  );
  const ids = new Set(train.map((v) => v.identity));
  for (const v of deviating) {
    t.match(v.truth, /^(other:train\d{3}|music|noise|silence)$/, `${v.file}: ${v.truth}`);
    if (v.truth.startsWith("other:")) {
      const other = v.truth.slice(6);
      t.ok(ids.has(other) && other !== v.identity, `${v.file}: the voice-over is another training identity`);
    }
  }
  t.ok(
    set.videos.every((v) => v.group === 0 || v.group === 1),
    "every video carries its identity's group",
  );
  t.same(new Set(set.identities.map((i) => i.attributes.group)), new Set([0, 1]), "both groups occur");
  const manifest = (await readFile(set.manifest, "utf8")).trim().split("\n");
  t.match(manifest[0], /,truth,group$/, "the manifest records truth and group");
  for (const v of set.videos)
    t.ok(manifest.some((row) => row.startsWith(`${v.file},`) && row.includes(`,${v.truth},`)));
  // Without the new options the data is what it was: no truth/group columns, no group attribute.
  const plain = await generateDemoData(join(dir, "plain"), {
    trainIdentities: 1,
    testIdentities: 0,
    videosPerIdentity: 1,
    seconds: 1,
    fps: 2,
    size: 64,
  });
  t.match((await readFile(plain.manifest, "utf8")).split("\n")[0], /audio_channels$/);
  t.equal(plain.identities[0]!.attributes.group, undefined);
});

t.test("group 1 speaks an octave up and has a longer, narrower face", (t) => {
  const a: IdentityAttributes = { size: 0.4, tract: 0.5, spread: 0.5 };
  const g0 = { ...a, group: 0 as const };
  const g1 = { ...a, group: 1 as const };
  t.equal(voiceTraits(g1).f0, 2 * voiceTraits(g0).f0);
  t.equal(voiceTraits(g0).f0, voiceTraits(a).f0, "group 0 is the data of earlier versions");
  t.ok(faceTraits(g1).aspect > faceTraits(g0).aspect * 1.15);
  t.ok(faceTraits(g1).eyeSpacing < faceTraits(g0).eyeSpacing);
  t.end();
});

t.test("nonSpeech() soundtracks: music is harmonic, noise is not, silence is near-silent", (t) => {
  const level = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
  const music = nonSpeech("music", 1, new Rng(1));
  const noise = nonSpeech("noise", 1, new Rng(1));
  const silence = nonSpeech("silence", 1, new Rng(1));
  t.ok(
    level(silence) < level(noise) / 100,
    `silence ${level(silence).toExponential(1)} ≪ noise ${level(noise).toFixed(3)}`,
  );
  t.ok(level(music) > 0.02 && level(noise) > 0.02);
  t.ok([music, noise, silence].every((x) => x.length === 16000 && x.every(Number.isFinite)));
  t.end();
});
