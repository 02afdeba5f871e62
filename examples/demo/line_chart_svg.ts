/** A small offline SVG line chart (no browser, no dependencies) for run-folder plots. */

/** Options for {@linkcode lineChartSvg}. */
export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

/**
 * Renders named series of (x, y) points as an SVG line chart with axes,
 * ticks and a legend.
 *
 * @example
 * ```ts
 * import { lineChartSvg } from "./line_chart_svg.ts";
 * const svg = lineChartSvg({ loss: [{ x: 1, y: 5 }, { x: 2, y: 4 }] }, { title: "loss" });
 * console.assert(svg.startsWith("<svg"));
 * ```
 */
export function lineChartSvg(
  series: Record<string, { x: number; y: number }[]>,
  options: LineChartOptions = {},
): string {
  const w = options.width ?? 640;
  const h = options.height ?? 400;
  const m = { l: 60, r: 150, t: 36, b: 48 };
  const pts = Object.values(series)
    .flat()
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const [x0, x1] = pts.length > 0 ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const [y0, y1] = pts.length > 0 ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * (w - m.l - m.r);
  const sy = (y: number) => h - m.b - ((y - y0) / (y1 - y0 || 1)) * (h - m.t - m.b);
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14">${esc(options.title ?? "")}</text>`,
    `<line x1="${m.l}" y1="${h - m.b}" x2="${w - m.r}" y2="${h - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${h - m.b}" stroke="black"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const xv = x0 + ((x1 - x0) * i) / 4;
    const yv = y0 + ((y1 - y0) * i) / 4;
    out.push(`<text x="${sx(xv)}" y="${h - m.b + 16}" text-anchor="middle">${fmt(xv)}</text>`);
    out.push(`<text x="${m.l - 6}" y="${sy(yv) + 4}" text-anchor="end">${fmt(yv)}</text>`);
    out.push(`<line x1="${m.l}" y1="${sy(yv)}" x2="${w - m.r}" y2="${sy(yv)}" stroke="#eee"/>`);
  }
  out.push(`<text x="${(m.l + w - m.r) / 2}" y="${h - 10}" text-anchor="middle">${esc(options.xLabel ?? "")}</text>`);
  out.push(
    `<text x="14" y="${(m.t + h - m.b) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(m.t + h - m.b) / 2})">${esc(options.yLabel ?? "")}</text>`,
  );
  Object.entries(series).forEach(([name, p], i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const d = p
      .filter((q) => Number.isFinite(q.y))
      .map((q, j) => `${j === 0 ? "M" : "L"}${sx(q.x).toFixed(1)},${sy(q.y).toFixed(1)}`)
      .join("");
    out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
    out.push(`<rect x="${w - m.r + 10}" y="${m.t + i * 16}" width="12" height="3" fill="${colour}"/>`);
    out.push(`<text x="${w - m.r + 26}" y="${m.t + i * 16 + 5}">${esc(name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0)
    ? v.toExponential(1)
    : String(Math.round(v * 100) / 100);
}
