/**
 * Run-folder plots of the CLI and the main job, rendered offline: vega-lite compiled to vega, drawn by
 * vega's headless SVG renderer (no browser, no canvas).
 */
import * as vega from "vega";
import * as vl from "vega-lite";

/** One row of a long-format table: x, y and the series it belongs to. */
export interface PlotRow {
  x: number;
  y: number;
  series: string;
}

async function render(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A line chart of one or more series. */
export function lineSvg(rows: PlotRow[], o: { title: string; x: string; y: string; logY?: boolean }): Promise<string> {
  return render({
    title: o.title,
    width: 480,
    height: 260,
    data: { values: rows },
    mark: { type: "line", clip: true },
    encoding: {
      x: { field: "x", type: "quantitative", title: o.x },
      y: { field: "y", type: "quantitative", title: o.y, scale: o.logY === true ? { type: "log" } : { zero: false } },
      color: { field: "series", type: "nominal", title: null },
    },
  });
}

/** A bar chart of categories (x as labels, in the given order), optionally grouped by series. */
export function barSvg(
  rows: { x: string; y: number; series: string }[],
  o: { title: string; x: string; y: string },
): Promise<string> {
  return render({
    title: o.title,
    width: 480,
    height: 260,
    data: { values: rows },
    mark: "bar",
    encoding: {
      x: { field: "x", type: "ordinal", title: o.x, sort: null },
      xOffset: { field: "series" },
      y: { field: "y", type: "quantitative", title: o.y },
      color: { field: "series", type: "nominal", title: null },
    },
  });
}
