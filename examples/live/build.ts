/**
 * `npm run live:build`: bundles the live page into examples/live/dist
 * (see build_live_page.ts). `npm run live` builds and serves it.
 */
import { buildLivePage } from "./build_live_page.ts";

const b = await buildLivePage();
console.log(`live page built: ${b.outDir}/main.js (${(b.bytes / 1e6).toFixed(2)} MB) in ${b.seconds.toFixed(1)} s`);
