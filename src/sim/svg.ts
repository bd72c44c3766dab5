// Small hand-written SVG charts for the reports: line charts (time series, CDFs, Lorenz curves) and bar charts.
// Plain strings, fixed sizes, no fonts beyond the default sans-serif — enough to read a result, nothing more.

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color?: string;
  readonly dashed?: boolean;
}

export interface LineChart {
  readonly title: string;
  readonly x_label: string;
  readonly y_label: string;
  readonly series: readonly Series[];
  readonly x_max?: number;
  readonly y_max?: number;
  /** Draw as steps (right-continuous), as for sampled counts. */
  readonly step?: boolean;
}

const WIDTH = 640;
const HEIGHT = 320;
const MARGIN = { left: 60, right: 16, top: 32, bottom: 44 };
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const TICKS = 5;

export function lineChart(chart: LineChart): string {
  const all = chart.series.flatMap((s) => s.points);
  const xMax = chart.x_max ?? niceCeil(Math.max(1e-9, ...all.map((p) => p[0])));
  // A little headroom so a line at the maximum is not drawn on the frame.
  const yMax = chart.y_max ?? niceCeil(Math.max(1e-9, ...all.map((p) => p[1])) * 1.05);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + (Math.min(x, xMax) / xMax) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - (Math.min(y, yMax) / yMax) * plotH;
  const parts: string[] = [frame(chart.title, chart.x_label, chart.y_label)];
  parts.push(axes(xMax, yMax, sx, sy));
  chart.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts: string[] = [];
    let prev: readonly [number, number] | null = null;
    for (const p of s.points) {
      if (chart.step && prev) pts.push(`${fmt(sx(p[0]))},${fmt(sy(prev[1]))}`);
      pts.push(`${fmt(sx(p[0]))},${fmt(sy(p[1]))}`);
      prev = p;
    }
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (pts.length > 0) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8"${dash} points="${pts.join(' ')}"/>`);
    const ly = MARGIN.top + 4 + i * 16;
    parts.push(`<line x1="${WIDTH - 190}" y1="${ly}" x2="${WIDTH - 166}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${WIDTH - 160}" y="${ly + 4}" font-size="11">${escape(s.name)}</text>`);
  });
  return wrap(parts);
}

export interface Bar {
  readonly label: string;
  readonly values: readonly number[];
}

export function barChart(title: string, y_label: string, groups: readonly string[], bars: readonly Bar[]): string {
  const yMax = niceCeil(Math.max(1e-9, ...bars.flatMap((b) => b.values)));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sy = (y: number) => MARGIN.top + plotH - (y / yMax) * plotH;
  const parts: string[] = [frame(title, '', y_label)];
  parts.push(axes(1, yMax, () => MARGIN.left, sy, false));
  const slot = plotW / Math.max(1, bars.length);
  const barW = (slot * 0.8) / Math.max(1, groups.length);
  bars.forEach((bar, i) => {
    bar.values.forEach((v, g) => {
      const x = MARGIN.left + i * slot + slot * 0.1 + g * barW;
      parts.push(`<rect x="${fmt(x)}" y="${fmt(sy(v))}" width="${fmt(barW)}" height="${fmt(sy(0) - sy(v))}" fill="${PALETTE[g % PALETTE.length]}"/>`);
    });
    parts.push(`<text x="${fmt(MARGIN.left + (i + 0.5) * slot)}" y="${HEIGHT - MARGIN.bottom + 14}" font-size="10" text-anchor="middle">${escape(bar.label)}</text>`);
  });
  groups.forEach((g, i) => {
    const ly = MARGIN.top + 4 + i * 16;
    parts.push(`<rect x="${WIDTH - 190}" y="${ly - 5}" width="12" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`);
    parts.push(`<text x="${WIDTH - 172}" y="${ly + 4}" font-size="11">${escape(g)}</text>`);
  });
  return wrap(parts);
}

function frame(title: string, xLabel: string, yLabel: string): string {
  const cx = MARGIN.left + (WIDTH - MARGIN.left - MARGIN.right) / 2;
  return [
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" font-size="14" text-anchor="middle" font-weight="bold">${escape(title)}</text>`,
    `<text x="${cx}" y="${HEIGHT - 6}" font-size="11" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text x="14" y="${MARGIN.top + (HEIGHT - MARGIN.top - MARGIN.bottom) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + (HEIGHT - MARGIN.top - MARGIN.bottom) / 2})">${escape(yLabel)}</text>`,
  ].join('');
}

function axes(xMax: number, yMax: number, sx: (x: number) => number, sy: (y: number) => number, xTicks = true): string {
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const bottom = HEIGHT - MARGIN.bottom;
  const out: string[] = [`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`, `<line x1="${left}" y1="${MARGIN.top}" x2="${left}" y2="${bottom}" stroke="#333"/>`];
  const yStep = niceCeil(yMax / TICKS);
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    out.push(`<line x1="${left}" y1="${fmt(sy(y))}" x2="${right}" y2="${fmt(sy(y))}" stroke="#eee"/>`);
    out.push(`<text x="${left - 6}" y="${fmt(sy(y) + 4)}" font-size="10" text-anchor="end">${tick(y)}</text>`);
  }
  if (!xTicks) return out.join('');
  const xStep = niceCeil(xMax / TICKS);
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    out.push(`<text x="${fmt(sx(x))}" y="${bottom + 14}" font-size="10" text-anchor="middle">${tick(x)}</text>`);
  }
  return out.join('');
}

function wrap(parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">${parts.join('')}</svg>\n`;
}

/** The next 1, 2 or 5 × 10^k at or above `x`, so axes end on round numbers. */
export function niceCeil(x: number): number {
  const k = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * k >= x - 1e-12) return m * k;
  return 10 * k;
}

function tick(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return `${Math.round(v / 100) / 10}k`;
  return String(Math.round(v * 100) / 100);
}

function fmt(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
