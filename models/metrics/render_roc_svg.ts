// This module is browser compatible.
import type { RocCurve } from "./roc_curve.ts";

/** One curve to draw. */
export interface RocSvgCurve {
  /** Legend text, e.g. the list name. */
  label: string;
  roc: RocCurve;
  /** Shown in the legend when given. */
  auc?: number;
  /** Shown in the legend and marked on the curve when given. */
  eer?: { eer: number; fnr: number } | number;
}

/** Options for {@linkcode renderRocSvg}. */
export interface RenderRocSvgOptions {
  /** @default {"ROC"} */
  title?: string;
  /** Width and height in px (the plot is square). @default {480} */
  size?: number;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

/**
 * Renders ROC curves as a standalone SVG document (no dependencies, no
 * fonts to fetch): axes 0–1, the chance diagonal, one polyline per curve,
 * the EER point, and a legend with AUC/EER in percent.
 *
 * @example
 * ```ts
 * import { rocCurve } from "./roc_curve.ts";
 * import { renderRocSvg } from "./render_roc_svg.ts";
 * const svg = renderRocSvg({ label: "random", roc: rocCurve([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.7]) });
 * // svg.startsWith("<svg")
 * ```
 */
export function renderRocSvg(curves: RocSvgCurve | readonly RocSvgCurve[], options: RenderRocSvgOptions = {}): string {
  const { title = "ROC", size = 480 } = options;
  const list = Array.isArray(curves) ? (curves as readonly RocSvgCurve[]) : [curves as RocSvgCurve];
  const m = { left: 52, right: 16, top: 34, bottom: 46 };
  const w = size - m.left - m.right;
  const h = size - m.top - m.bottom;
  const X = (v: number) => (m.left + v * w).toFixed(1);
  const Y = (v: number) => (m.top + (1 - v) * h).toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="sans-serif" font-size="12">`,
    `<rect width="${size}" height="${size}" fill="white"/>`,
    `<text x="${size / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  );
  for (let k = 0; k <= 5; k++) {
    const v = k / 5;
    out.push(
      `<line x1="${X(v)}" y1="${Y(0)}" x2="${X(v)}" y2="${Y(1)}" stroke="#e5e5e5"/>`,
      `<line x1="${X(0)}" y1="${Y(v)}" x2="${X(1)}" y2="${Y(v)}" stroke="#e5e5e5"/>`,
      `<text x="${X(v)}" y="${(m.top + h + 16).toFixed(1)}" text-anchor="middle">${v.toFixed(1)}</text>`,
      `<text x="${m.left - 6}" y="${(Number(Y(v)) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(1)}</text>`,
    );
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`,
    `<line x1="${X(0)}" y1="${Y(0)}" x2="${X(1)}" y2="${Y(1)}" stroke="#999" stroke-dasharray="4 4"/>`,
    `<text x="${m.left + w / 2}" y="${size - 10}" text-anchor="middle">false positive rate</text>`,
    `<text transform="translate(14 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">true positive rate</text>`,
  );
  list.forEach((c, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts: string[] = [];
    let last = "";
    for (let k = 0; k < c.roc.fpr.length; k++) {
      const p = `${X(c.roc.fpr[k]!)},${Y(c.roc.tpr[k]!)}`;
      if (p !== last) pts.push(p);
      last = p;
    }
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(" ")}"/>`);
    const eer = typeof c.eer === "number" ? { eer: c.eer, fnr: c.eer } : c.eer;
    if (eer !== undefined) out.push(`<circle cx="${X(eer.eer)}" cy="${Y(1 - eer.fnr)}" r="3.5" fill="${color}"/>`);
    const parts = [c.label];
    if (c.auc !== undefined) parts.push(`AUC ${(100 * c.auc).toFixed(2)}`);
    if (eer !== undefined) parts.push(`EER ${(100 * eer.eer).toFixed(2)}`);
    const y = m.top + h - 10 - (list.length - 1 - i) * 16;
    out.push(
      `<line x1="${m.left + w * 0.38}" y1="${y - 4}" x2="${m.left + w * 0.38 + 18}" y2="${y - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${m.left + w * 0.38 + 24}" y="${y}">${esc(parts.join("  "))}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
