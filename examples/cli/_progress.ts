/**
 * Progress on stderr: a bar with ETA on a TTY (cli-progress), JSON lines
 * when stderr is not a TTY or with `--json`.
 */
import cliProgress from "cli-progress";
import type { CommandIo } from "./_command.ts";

/** A progress reporter for one phase of work. */
export interface Progress {
  update(done: number, extra?: Record<string, unknown>): void;
  stop(): void;
}

/** Starts a progress reporter for `total` units of `phase`. */
export function progress(io: CommandIo, phase: string, total: number): Progress {
  if (io.stderr.isTTY === true && !io.json) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${phase} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} {info}`,
        stream: io.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: "" });
    return {
      update(done, extra) {
        bar.update(done, {
          info:
            extra === undefined
              ? ""
              : Object.entries(extra)
                  .map(([k, v]) => `${k}=${fmt(v)}`)
                  .join(" "),
        });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const started = Date.now();
  return {
    update(done, extra) {
      const elapsed = (Date.now() - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : null;
      io.stderr.write(
        `${JSON.stringify({ phase, done, total, elapsed_s: round(elapsed), eta_s: eta === null ? null : round(eta), ...extra })}\n`,
      );
    },
    stop() {
      /* nothing to clean up */
    },
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function fmt(v: unknown): string {
  return typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v);
}
