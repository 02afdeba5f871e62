/**
 * Executed docs, as `deno test --doc` runs Deno std's: every ```ts block
 * after an `@example` tag in the library's JSDoc is type-checked as a module
 * of its own (resolved from the documented file's folder, with the package
 * specifiers mapped to the repository's mod.ts files), and the cheap ones of
 * the library (no ambient `declare`, no files, network, ffmpeg or wasm) are
 * executed on the cpu backend with `console.assert` turned into a throw.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import t from "tap";
import ts from "typescript";
import { tf } from "../models/mod.ts";
import { docExamples, documentedFiles, type DocExample } from "./fixtures/doc_examples.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const examples = documentedFiles(root).flatMap((f) => docExamples(root, f));
const where = (e: DocExample): string => `${e.file}:${e.line}`;

t.test("every @example in the library's JSDoc type-checks", (t) => {
  t.ok(examples.length >= 120, `${examples.length} examples found`);
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => undefined,
    },
  )!;
  const virtual = new Map<string, DocExample>();
  examples.forEach((e, k) => virtual.set(join(root, dirname(e.file), `__doc_example_${k}.ts`), e));
  const text = (f: string): string | undefined => {
    const e = virtual.get(f);
    return e === undefined ? undefined : `export {};\n${e.code}\n`;
  };
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (f, v, ...rest) =>
    virtual.has(f) ? ts.createSourceFile(f, text(f)!, v) : getSourceFile(f, v, ...rest);
  host.fileExists = (f) => virtual.has(f) || fileExists(f);
  host.readFile = (f) => text(f) ?? readFile(f);
  const program = ts.createProgram([...virtual.keys()], { ...config.options, noEmit: true }, host);
  const problems = new Map<string, string[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const e = d.file === undefined ? undefined : virtual.get(d.file.fileName);
    if (e === undefined) continue;
    const line = d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line; // line 0 is the added `export {}`
    const list = problems.get(where(e)) ?? [];
    list.push(`example line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
    problems.set(where(e), list);
  }
  for (const e of examples) t.same(problems.get(where(e)) ?? [], [], `${where(e)} type-checks`);
  t.end();
});

/** Examples that need nothing but the math: no ambient context, files, network, decoder, detector or wasm. */
const EXPENSIVE =
  /\bdeclare\b|node:|streams\/node|readFile|fetch\(|decode(Video|Audio|Videos)\(|Source\(|FaceDetector\.load|wasm|initBackend\(\{ prefer: "(?!cpu)|loadTorchCheckpoint|trainCmpc\(|\.subscribe\(\(e\) => console\.error/;

t.test("cheap @examples run, and their console.assert calls hold", async (t) => {
  // Library examples only: examples/ holds whole programs (the demo job, the CLI, the live server).
  // streams/node/ is file and worker I/O.
  const runnable = examples.filter(
    (e) => !e.file.startsWith("examples/") && !e.file.startsWith("streams/node/") && !EXPENSIVE.test(e.code),
  );
  t.ok(runnable.length >= 40, `${runnable.length} of ${examples.length} examples are cheap enough to run`);
  await tf.setBackend("cpu");
  // Inside the repository (gitignored) so that bare specifiers (rxjs, tfjs) resolve from it.
  const dir = join(root, "test", ".doc_examples", String(process.pid));
  mkdirSync(dir, { recursive: true });
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const { assert, log, error, warn } = console;
  for (const [k, e] of runnable.entries()) {
    const from = join(root, dirname(e.file));
    const code = e.code.replace(
      /(from\s+|import\s*\(\s*)(["'])(\.{1,2}\/[^"']+)\2/g,
      (_m, pre: string, q: string, spec: string) => `${pre}${q}${pathToFileURL(resolve(from, spec)).href}${q}`,
    );
    const file = join(dir, `example_${k}.ts`);
    writeFileSync(file, `${code}\nexport {};\n`);
    const failures: string[] = [];
    console.assert = (ok?: unknown, ...msg: unknown[]) => {
      if (ok !== true && !ok) failures.push(msg.map(String).join(" ") || "console.assert failed");
    };
    console.log = console.warn = console.error = () => undefined;
    const before = tf.memory().numTensors;
    try {
      await import(pathToFileURL(file).href);
      // Let subscriptions that finish on a later tick report their asserts.
      await new Promise((r) => {
        setTimeout(r, 0);
      });
    } catch (err) {
      failures.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    } finally {
      Object.assign(console, { assert, log, error, warn });
    }
    t.same(failures, [], `${where(e)} runs (${tf.memory().numTensors - before} tensors left)`);
  }
});
