// A small hand-written SVG line chart for the benchmark report: axes with ticks, an optional log x-scale,
// a legend. No plotting dependency.
import type { Series } from './results.js';

const width = 760;
const height = 420;
const margin = { top: 44, right: 24, bottom: 56, left: 72 };
const colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Round tick values covering [min, max] on a linear scale (1, 2, 5 × 10^n steps). */
export function linearTicks(min: number, max: number, count = 6): number[] {
  if (min === max) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Powers of ten covering [min, max] (with 2 and 5 between them when the range is short). */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  const short = Math.log10(max / min) < 2.5;
  for (let p = Math.floor(Math.log10(min)); p <= Math.ceil(Math.log10(max)); p++) {
    for (const m of short ? [1, 2, 5] : [1]) {
      const t = m * 10 ** p;
      if (t >= min * 0.999 && t <= max * 1.001) ticks.push(t);
    }
  }
  return ticks;
}

export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  if (abs >= 100 || value === 0) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

/** Renders a series as a standalone SVG document. */
export function lineChart(series: Series): string {
  const points = series.lines.flatMap((line) => line.points);
  const log = series.xScale === 'log';
  const xs = points.map(([x]) => x).filter((x) => !log || x > 0);
  const ys = points.map(([, y]) => y);
  let xMin = Math.min(...xs);
  let xMax = Math.max(...xs);
  if (xMin === xMax) [xMin, xMax] = log ? [xMin / 2, xMax * 2] : [xMin - 1, xMax + 1];
  const yTicks = linearTicks(Math.min(0, ...ys), Math.max(...ys) * 1.05 || 1);
  const yMin = yTicks[0] ?? 0;
  const yMax = Math.max(yTicks.at(-1) ?? 1, Math.max(...ys));
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const px = (x: number) =>
    margin.left +
    (log ? (Math.log(x) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin)) : (x - xMin) / (xMax - xMin)) *
      plotW;
  const py = (y: number) => margin.top + plotH - ((y - yMin) / (yMax - yMin || 1)) * plotH;
  const xTicks = log ? logTicks(xMin, xMax) : linearTicks(xMin, xMax);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    // A title element: the chart's accessible name (and what biome's a11y lint asks of an SVG).
    `<title>${escapeXml(series.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(series.title)}</text>`,
  );
  for (const t of yTicks) {
    const y = py(t).toFixed(1);
    out.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#444">${formatTick(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = px(t).toFixed(1);
    out.push(
      `<line x1="${x}" x2="${x}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#f0f0f0"/>`,
      `<line x1="${x}" x2="${x}" y1="${height - margin.bottom}" y2="${height - margin.bottom + 5}" stroke="#333"/>`,
      `<text x="${x}" y="${height - margin.bottom + 18}" text-anchor="middle" fill="#444">${formatTick(t)}</text>`,
    );
  }
  out.push(
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}" stroke="#333"/>`,
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#333"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 14}" text-anchor="middle" fill="#222">${escapeXml(series.xLabel)}${log ? ' (log scale)' : ''}</text>`,
    `<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#222">${escapeXml(series.yLabel)}</text>`,
  );
  series.lines.forEach((line, i) => {
    const colour = colours[i % colours.length] as string;
    const drawn = line.points.filter(([x]) => !log || x > 0);
    const path = drawn
      .map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`)
      .join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2" stroke-linejoin="round"/>`);
    if (drawn.length <= 24) {
      for (const [x, y] of drawn) {
        out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${colour}"/>`);
      }
    }
  });
  // Legend: in the corner of the plot that the fewest points fall in, on a white box.
  const legendW = Math.max(...series.lines.map((l) => l.label.length)) * 6.8 + 36;
  const legendH = series.lines.length * 18 + 8;
  const corners = [
    [margin.left + 10, margin.top + 8],
    [width - margin.right - 10 - legendW, margin.top + 8],
    [width - margin.right - 10 - legendW, height - margin.bottom - 8 - legendH],
    [margin.left + 10, height - margin.bottom - 8 - legendH],
  ] as const;
  const covered = ([lx, ly]: readonly [number, number]) =>
    points.filter(([x, y]) => {
      const cx = px(x);
      const cy = py(y);
      return cx >= lx - 8 && cx <= lx + legendW + 8 && cy >= ly - 8 && cy <= ly + legendH + 8;
    }).length;
  const [lx, ly] = corners.reduce((best, c) => (covered(c) < covered(best) ? c : best), corners[0]);
  out.push(
    `<rect x="${lx.toFixed(0)}" y="${ly.toFixed(0)}" width="${legendW.toFixed(0)}" height="${legendH}" fill="#ffffff" fill-opacity="0.9" stroke="#ccc"/>`,
  );
  series.lines.forEach((line, i) => {
    const y = ly + 14 + i * 18;
    const colour = colours[i % colours.length] as string;
    out.push(
      `<line x1="${(lx + 8).toFixed(0)}" x2="${(lx + 28).toFixed(0)}" y1="${y - 4}" y2="${y - 4}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${(lx + 34).toFixed(0)}" y="${y}" fill="#222">${escapeXml(line.label)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
