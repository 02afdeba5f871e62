/**
 * `npm run live`: builds the live page and serves it on http://localhost:8080/
 * with the newest checkpoint of the demo run (`npm start` trains it).
 * Options: `--port N` (0 = any free port), `--host H`, `--run <run folder>`,
 * `--no-build` (serve the last `npm run live:build`), `--no-isolate` (no
 * COOP/COEP headers: the page then runs on one thread, and says so).
 */
import { parseArgs } from "node:util";
import { buildLivePage } from "./build_live_page.ts";
import { startLiveServer } from "./start_live_server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    run: { type: "string" },
    "no-build": { type: "boolean" },
    "no-isolate": { type: "boolean" },
  },
});
if (values["no-build"] !== true) {
  const b = await buildLivePage();
  console.log(`built ${b.outDir}/main.js (${(b.bytes / 1e6).toFixed(2)} MB) in ${b.seconds.toFixed(1)} s`);
}
const server = await startLiveServer({
  port: values.port === undefined ? 8080 : Number(values.port),
  ...(values.host === undefined ? {} : { host: values.host }),
  ...(values.run === undefined ? {} : { runDir: values.run }),
  ...(values["no-isolate"] === true ? { isolate: false } : {}),
});
const model = await server.model();
console.log(
  model.available
    ? `model: ${model.message}`
    : `WARNING: ${model.message}\n         The page will run with random weights (meaningless scores).`,
);
console.log(`live page: ${server.url}  (allow camera and microphone; everything stays in the browser; Ctrl+C to stop)`);
const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
