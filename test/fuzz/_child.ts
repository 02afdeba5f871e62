/**
 * One fuzz target in its own process (so that a crash or a hang of a reader
 * is seen by the parent, test/fuzz/main.ts, and does not end the run):
 * `_child.ts <target> <seconds> <out-dir> <seed>`. Mutates the seeds in
 * `<out-dir>/seeds/<target>/`, writes each input to
 * `<out-dir>/current-<target>.bin` before reading it, saves the first input
 * of each kind of finding under `<out-dir>/findings/<target>/`, and reports
 * counts to the parent over IPC.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../models/mod.ts";
import { mutate } from "./_mutate.ts";
import { abortInFlight, judge, TARGETS } from "./_targets.ts";

const [targetName, secondsArg, out, seedArg] = process.argv.slice(2);
const found = TARGETS[targetName ?? ""];
if (found === undefined || out === undefined) throw new TypeError(`usage: _child.ts <target> <seconds> <out> <seed>`);
const target = found;
const seconds = Number(secondsArg);
const rng = new Rng(Number(seedArg ?? 1));
const seedDir = join(out, "seeds", target.name);
const seeds = readdirSync(seedDir)
  .sort()
  .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(seedDir, f))) }));
if (seeds.length === 0) throw new TypeError(`no seeds in ${seedDir}`);
const findingsDir = join(out, "findings", target.name);
mkdirSync(findingsDir, { recursive: true });
const current = join(out, `current-${target.name}.bin`);

const counts = { tried: 0, ok: 0, rejected: 0, findings: 0 };
const seen = new Map<string, number>();
const send = (m: object) => process.send?.(m);

/** Saves the first input of each kind of finding; the signature leaves numbers out. */
function record(kind: string, why: string, input: string, bytes: Uint8Array, error: unknown): void {
  counts.findings++;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const signature = `${kind} | ${why} | ${message.replace(/\d+/g, "N").replaceAll(input, "<input>").slice(0, 300)}`;
  const id = createHash("sha1").update(signature).digest("hex").slice(0, 10);
  const n = (seen.get(id) ?? 0) + 1;
  seen.set(id, n);
  if (n === 1) {
    writeFileSync(join(findingsDir, `${id}.bin`), bytes);
    writeFileSync(
      join(findingsDir, `${id}.json`),
      `${JSON.stringify({ target: target.name, kind, why, input, signature, message, stack: error instanceof Error ? error.stack : null }, null, 2)}\n`,
    );
  }
  send({ type: "finding", id, signature, count: n, file: join(findingsDir, `${id}.bin`) });
}

const end = Date.now() + seconds * 1000;
let lastReport = 0;
while (Date.now() < end) {
  const seed = seeds[rng.int(seeds.length)]!;
  const bytes = mutate(
    rng,
    seed.bytes,
    seeds.map((s) => s.bytes),
    target.format,
  );
  const input = `fuzz-${counts.tried}-${seed.name}`;
  writeFileSync(current, bytes);
  writeFileSync(`${current}.name`, input);
  counts.tried++;
  let timer: NodeJS.Timeout | undefined;
  try {
    const run = Promise.resolve(target.run(bytes, input));
    const timeout = new Promise<"timeout">((res) => {
      timer = setTimeout(() => {
        res("timeout");
      }, target.timeoutMs);
    });
    if ((await Promise.race([run, timeout])) === "timeout") {
      abortInFlight();
      record("hang", `no answer in ${target.timeoutMs / 1000} s`, input, bytes, null);
      await Promise.race([run.catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
    } else counts.ok++;
  } catch (e) {
    const why = judge(e, input, target.named);
    if (why === null) counts.rejected++;
    else record("untyped", why, input, bytes, e);
  } finally {
    clearTimeout(timer);
  }
  if (Date.now() - lastReport > 500) {
    lastReport = Date.now();
    send({ type: "progress", ...counts });
  }
}
send({ type: "progress", ...counts });
send({ type: "end" });
process.exit(0);
