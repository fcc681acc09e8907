// The training curves of a job: train loss and validation loss (left axis) and validation token
// accuracy (right axis, %) per checkpoint step, drawn by uPlot (small, maintained, canvas-based).
// Colours come from the theme's chart variables and are re-read when the theme changes. Only measured
// series are drawn (an all-null series is left out, axis and legend entry included); the legend shows the
// latest values until the pointer picks a step; a chart of one or two checkpoints gets big points and an
// x range around them, so a one-step job reads as a labelled dot rather than an empty frame.
import uPlot from 'uplot';
import { cssVar } from './dom';

export interface ChartSeries {
  steps: number[];
  trainLoss: (number | null)[];
  validLoss: (number | null)[];
  validAccuracy: (number | null)[];
}

export class LossChart {
  private plot: uPlot | undefined;
  private data: ChartSeries | undefined;
  private readonly resize: ResizeObserver;
  private readonly themeWatch: MutationObserver;

  constructor(private readonly host: HTMLElement) {
    this.resize = new ResizeObserver(() => this.plot?.setSize(this.size()));
    this.resize.observe(host);
    // VS Code swaps the body class (vscode-light / vscode-dark / high contrast) on theme change.
    this.themeWatch = new MutationObserver(() => this.rebuild());
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  private size(): { width: number; height: number } {
    const width = Math.max(240, Math.floor(this.host.clientWidth));
    return { width, height: Math.round(Math.min(340, Math.max(200, width * 0.42))) };
  }

  update(series: ChartSeries): void {
    const shapeChanged =
      !this.data ||
      this.hasAny(this.data.validLoss) !== this.hasAny(series.validLoss) ||
      this.hasAny(this.data.validAccuracy) !== this.hasAny(series.validAccuracy);
    this.data = series;
    if (!this.plot || shapeChanged) this.rebuild();
    else this.plot.setData(this.aligned(series));
  }

  private hasAny(xs: (number | null)[]): boolean {
    return xs.some((x) => x !== null);
  }

  private aligned(s: ChartSeries): uPlot.AlignedData {
    const out: (number | null)[][] = [s.steps, s.trainLoss];
    if (this.hasAny(s.validLoss)) out.push(s.validLoss);
    if (this.hasAny(s.validAccuracy)) out.push(s.validAccuracy.map((x) => (x === null ? null : x * 100)));
    return out as uPlot.AlignedData;
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    const s = this.data;
    if (!s) return;
    const fg = cssVar('--vscode-foreground', '#888');
    const grid = cssVar('--vscode-editorWidget-border', cssVar('--vscode-panel-border', 'rgba(128,128,128,0.3)'));
    const font = `${cssVar('--vscode-font-size', '12px')} ${cssVar('--vscode-font-family', 'sans-serif')}`;
    const axis = (scale: string, label: string, side?: number): uPlot.Axis => ({
      scale,
      label,
      // Only when given: an explicit `side: undefined` would override uPlot's default placement.
      ...(side !== undefined ? { side } : {}),
      stroke: fg,
      font,
      labelFont: font,
      grid: { stroke: grid, width: 1, show: scale !== '%' },
      ticks: { stroke: grid, width: 1 },
    });
    const few = s.steps.length <= 2;
    // The pointer is not over the plot (uPlot may still hold the index it last pointed at).
    const away = (u: uPlot) => u.cursor.left == null || u.cursor.left < 0;
    const format = (v: number | null | undefined, scale: string) => (v == null ? '–' : scale === '%' ? `${v.toFixed(1)}%` : Number(v.toPrecision(3)).toString());
    const line = (label: string, colorVar: string, fallback: string, scale: string, dash?: number[]): uPlot.Series => ({
      label,
      scale,
      stroke: cssVar(colorVar, fallback),
      width: 2,
      dash,
      spanGaps: true,
      points: { show: s.steps.length <= 60, size: few ? 10 : 5, ...(few ? { fill: cssVar(colorVar, fallback) } : {}) },
      // Without a pointer over the chart (idx null) the legend shows the latest measured value.
      value: (u, v, sidx, idx) => {
        if (idx != null && !away(u)) return format(v, scale);
        const data = u.data[sidx] as (number | null)[] | undefined;
        return format(data ? [...data].reverse().find((x) => x != null) : undefined, scale);
      },
    });
    // Read from the plot's data, not from this closure: setData adds steps without a rebuild.
    const lastStep = (u: uPlot) => (u.data[0] as number[]).at(-1);
    const series: uPlot.Series[] = [
      { label: 'Step', value: (u, v, _s, idx) => String((idx == null || away(u) ? lastStep(u) : v) ?? '–') },
      line('Training loss', '--vscode-charts-blue', '#3794ff', 'loss'),
    ];
    // Steps are whole numbers: no 0.2-step ticks around a one-step job.
    const axes: uPlot.Axis[] = [{ ...axis('x', 'Step'), incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000] }, axis('loss', 'Loss')];
    if (this.hasAny(s.validLoss)) series.push(line('Validation loss', '--vscode-charts-orange', '#d18616', 'loss', [6, 4]));
    if (this.hasAny(s.validAccuracy)) {
      series.push(line('Validation token accuracy', '--vscode-charts-green', '#89d185', '%'));
      axes.push(axis('%', 'Token accuracy (%)', 1));
    }
    const opts: uPlot.Options = {
      ...this.size(),
      series,
      axes,
      // One step alone would make an empty x range: centre it in a range of two steps.
      scales: { x: { time: false, range: (_u, min, max) => (min === max ? [Math.max(0, min - 1), max + 1] : [min, max]) }, '%': { range: [0, 100] } },
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      // What the canvas now shows, as durable DOM state: the e2e tests and the metrics-to-panel bench wait on it.
      hooks: { draw: [(u) => this.markDrawn(u)] },
    };
    this.plot = new uPlot(opts, this.aligned(s), this.host);
  }

  /** data-steps (points drawn) and data-last-step on the chart element, set each time uPlot has drawn. */
  private markDrawn(u: uPlot): void {
    const steps = u.data[0] as number[];
    this.host.dataset.steps = String(steps.length);
    this.host.dataset.lastStep = String(steps.at(-1) ?? '');
  }

  dispose(): void {
    this.resize.disconnect();
    this.themeWatch.disconnect();
    this.plot?.destroy();
  }
}
