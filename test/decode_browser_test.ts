// Runs decodeVideo in headless Chromium: the page and the Web Worker entry are
// bundled with esbuild at test time, served cross-origin isolated, and the
// decoder reads a Blob (FileReaderSync) and a fetch body (streamed). Skips when
// Chromium, playwright-core, esbuild or native ffmpeg is missing.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";

const root = fileURLToPath(new URL("../", import.meta.url));
const chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p) =>
  existsSync(p),
);

function hasFfmpeg(): boolean {
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function optional(spec: string): Promise<any> {
  try {
    return (await import(spec)) as unknown;
  } catch {
    return null;
  }
}

const esbuild = await optional("esbuild");
const playwright = await optional("playwright-core");

if (chromiumPath === undefined || esbuild === null || playwright === null || !hasFfmpeg()) {
  t.plan(
    0,
    "needs Chromium (bash scripts/setup-peers.sh), playwright-core, esbuild and native ffmpeg: skipping the browser decode test",
  );
} else {
  t.test("decodeVideo() runs in a browser Web Worker (Blob and fetch sources)", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "cmpc-browser-"));
    t.teardown(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    execFileSync("ffmpeg", [
      "-v",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=64x48:rate=25:duration=3.2",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=44100:duration=3.2",
      "-c:v",
      "libvpx",
      "-c:a",
      "libopus",
      join(dir, "av.webm"),
    ]);
    const pcmBuf = execFileSync("ffmpeg", [
      "-v",
      "error",
      "-i",
      join(dir, "av.webm"),
      "-ac",
      "1",
      "-ar",
      "16000",
      "-f",
      "f32le",
      "-",
    ]);
    const pcm = new Float32Array(pcmBuf.buffer, pcmBuf.byteOffset, pcmBuf.length / 4);

    const page = `
      import { blobSource, decodeVideo, streamSource, webDecoderWorker, DecodeError } from "./streams/mod.ts";
      async function collect(stream) {
        const out = []; const r = stream.getReader();
        for (;;) { const x = await r.read(); if (x.done) return out; out.push(x.value); }
      }
      const opts = { worker: webDecoderWorker, coreURL: location.origin + "/ffmpeg-core.js", wasmURL: location.origin + "/ffmpeg-core.wasm" };
      window.run = async () => {
        const res = { isolated: crossOriginIsolated };
        const blob = await (await fetch("/av.webm")).blob();
        const a = await collect(decodeVideo(blobSource(blob, "av.webm"), opts));
        res.blob = a.map((s) => ({ t: s.t, w: s.frame.width, h: s.frame.height, n: s.frame.data.length, audio: Array.from(s.audio.subarray(0, 16000)) }));
        const b = await collect(decodeVideo(streamSource((await fetch("/av.webm")).body, "av.webm"), opts));
        res.stream = b.length;
        try { await collect(decodeVideo(blobSource(new Blob([new Uint8Array(5000).fill(7)]), "junk.mp4"), opts)); res.bad = "no error"; }
        catch (e) { res.bad = [e instanceof DecodeError, e.reason, e.message]; }
        return res;
      };`;
    await esbuild.build({
      stdin: {
        contents: page,
        resolveDir: root,
        sourcefile: "page.ts",
        loader: "ts",
      },
      bundle: true,
      format: "esm",
      platform: "browser",
      outfile: join(dir, "page.js"),
      logLevel: "error",
    });
    await esbuild.build({
      entryPoints: [join(root, "streams/decode/_web_worker_entry.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      outfile: join(dir, "_web_worker_entry.js"),
      logLevel: "error",
    });
    const require = createRequire(import.meta.url);
    const coreDir = join(require.resolve("@ffmpeg/core"), "..", "..", "esm"); // the ESM build (require resolves the UMD one)
    const files: Record<string, [string, string]> = {
      "/": ["text/html", "INDEX"],
      "/favicon.ico": ["image/x-icon", "EMPTY"],
      "/page.js": ["text/javascript", join(dir, "page.js")],
      "/_web_worker_entry.js": ["text/javascript", join(dir, "_web_worker_entry.js")],
      "/ffmpeg-core.js": ["text/javascript", join(coreDir, "ffmpeg-core.js")],
      "/ffmpeg-core.wasm": ["application/wasm", join(coreDir, "ffmpeg-core.wasm")],
      "/av.webm": ["video/webm", join(dir, "av.webm")],
    };
    const server = createServer((req, res) => {
      const f = files[(req.url ?? "/").split("?")[0]!];
      if (f === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        "content-type": f[0],
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-embedder-policy": "require-corp",
      });
      if (f[1] === "EMPTY") res.end();
      else
        res.end(
          f[1] === "INDEX" ? '<!doctype html><script type="module" src="/page.js"></script>' : readFileSync(f[1]),
        );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    t.teardown(() => server.close());
    const port = (server.address() as { port: number }).port;
    const browser = await playwright.chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox"],
    });
    t.teardown(async () => {
      await browser.close();
    });
    const tab = await browser.newPage();
    const logs: string[] = [];
    tab.on("console", (m: any) => logs.push(m.text()));
    tab.on("pageerror", (e: Error) => logs.push(e.message));
    await tab.goto(`http://127.0.0.1:${port}/`);
    await tab.waitForFunction("typeof window.run === 'function'");
    const res: any = await tab.evaluate("window.run()");
    t.equal(res.isolated, true, "page is cross-origin isolated");
    t.equal(res.blob.length, 3, "3 samples from the Blob");
    t.same(
      (res.blob as { t: number; w: number; h: number; n: number }[]).map((s) => [s.t, s.w, s.h, s.n]),
      [
        [0, 64, 48, 9216],
        [1, 64, 48, 9216],
        [2, 64, 48, 9216],
      ],
    );
    let se = 0;
    let n = 0;
    for (const [k, s] of res.blob.entries()) {
      for (let i = 0; i < s.audio.length; i++) {
        se += (s.audio[i] - (pcm[k * 16000 + i] ?? 0)) ** 2;
        n++;
      }
    }
    t.ok(Math.sqrt(se / n) < 1e-4, `browser PCM equals native (RMS ${Math.sqrt(se / n)})`);
    t.equal(res.stream, 3, "3 samples from the fetch body stream");
    t.match(res.bad, [true, "corrupt", /^Cannot decode "junk.mp4": /], "DecodeError in the browser");
    if (logs.length > 0) t.comment(logs.slice(0, 10).join("\n"));
  });
}
