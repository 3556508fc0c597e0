import { esc } from './html-escape.ts';

/**
 * Inline SVG charts for the report: no script, no network, printable. Values are never
 * interpolated: a line is broken where a run could not measure (null) and across a hole longer
 * than `breakAfterMs`, and holes are drawn as hatched bands.
 */
export interface TimePoint {
  t: string;
  v: number | null;
  runId: number;
}

export interface Series {
  name: string;
  points: TimePoint[];
}

export interface LineChartSpec {
  id: string;
  title: string;
  from: string;
  to: string;
  series: Series[];
  gaps: { from: string; to: string }[];
  breakAfterMs: number;
  format: (v: number) => string;
  /** Fixed y range top (e.g. 1 for a ratio); else the data's maximum. */
  yMax?: number;
}

const W = 720;
const H = 220;
const M = { left: 56, right: 16, top: 16, bottom: 28 };
const COLORS = ['#1f5fa8', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#4d7c0f'];

export function lineChart(spec: LineChartSpec): string {
  const t0 = Date.parse(spec.from);
  const t1 = Math.max(Date.parse(spec.to), t0 + 1);
  const values = spec.series.flatMap((s) => s.points.map((p) => p.v)).filter((v): v is number => v !== null);
  const yMax = spec.yMax ?? Math.max(1, ...values);
  const x = (t: string) => M.left + ((Date.parse(t) - t0) / (t1 - t0)) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - (v / yMax) * (H - M.top - M.bottom);
  const parts: string[] = [];
  parts.push(`<defs><pattern id="hatch-${esc(spec.id)}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="2"/></pattern></defs>`);
  for (const g of spec.gaps) {
    const a = Math.max(M.left, x(g.from));
    const b = Math.min(W - M.right, x(g.to));
    if (b > a) parts.push(`<rect class="gap" x="${a.toFixed(1)}" y="${M.top}" width="${(b - a).toFixed(1)}" height="${H - M.top - M.bottom}" fill="url(#hatch-${esc(spec.id)})" opacity="0.5"><title>${esc(`gap: no measurement ${g.from} – ${g.to}`)}</title></rect>`);
  }
  for (const tick of [0, yMax / 2, yMax]) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end" font-size="11">${esc(spec.format(tick))}</text>`);
  }
  parts.push(`<text x="${M.left}" y="${H - 8}" font-size="11">${esc(spec.from.slice(0, 10))}</text>`);
  parts.push(`<text x="${W - M.right}" y="${H - 8}" font-size="11" text-anchor="end">${esc(spec.to.slice(0, 10))}</text>`);
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    for (const seg of segments(s.points, spec.breakAfterMs)) {
      if (seg.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${seg.map((p) => `${x(p.t).toFixed(1)},${y(p.v!).toFixed(1)}`).join(' ')}"/>`);
    }
    for (const p of s.points) {
      if (p.v === null) continue;
      parts.push(`<circle class="point" cx="${x(p.t).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="3" fill="${color}" data-series="${esc(s.name)}" data-run="${p.runId}" data-value="${p.v}"><title>${esc(`${s.name}, run ${p.runId} (${p.t}): ${spec.format(p.v)}`)}</title></circle>`);
    }
  });
  const legend = spec.series.map((s, i) => `<span class="legend-item"><span class="swatch" style="background:${COLORS[i % COLORS.length]}"></span>${esc(s.name)}</span>`).join(' ');
  const empty = values.length === 0 ? `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="13">no measurement in the period</text>` : '';
  return `<figure class="chart" id="${esc(spec.id)}"><figcaption>${esc(spec.title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(spec.title)}">${parts.join('')}${empty}</svg><div class="legend">${legend}</div></figure>`;
}

/** Runs of consecutive measured points with no hole longer than `breakAfterMs` between them. */
function segments(points: readonly TimePoint[], breakAfterMs: number): TimePoint[][] {
  const out: TimePoint[][] = [];
  let cur: TimePoint[] = [];
  for (const p of points) {
    const prev = cur.at(-1);
    if (p.v === null || (prev && Date.parse(p.t) - Date.parse(prev.t) > breakAfterMs)) {
      if (cur.length > 0) out.push(cur);
      cur = [];
    }
    if (p.v !== null) cur.push(p);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export interface Bar {
  label: string;
  value: number;
  /** Drawn hatched with "≥": a lower bound (access still open at the end of the period). */
  open: boolean;
}

/** Horizontal bars, e.g. hours from leaving to removal per person, with a threshold line. */
export function barChart(spec: { id: string; title: string; bars: Bar[]; threshold: number | null; unit: string }): string {
  const rowH = 22;
  const h = Math.max(1, spec.bars.length) * rowH + 30;
  const labelW = 220;
  const max = Math.max(1, spec.threshold ?? 0, ...spec.bars.map((b) => b.value));
  const x = (v: number) => labelW + (v / max) * (W - labelW - 80);
  const parts: string[] = [`<defs><pattern id="open-${esc(spec.id)}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fca5a5"/><line x1="0" y1="0" x2="0" y2="6" stroke="#b91c1c" stroke-width="2"/></pattern></defs>`];
  spec.bars.forEach((b, i) => {
    const top = i * rowH + 4;
    // Long names are cut to fit beside the bar; the full name is in the bar's tooltip.
    const label = b.label.length > 38 ? `${b.label.slice(0, 37)}…` : b.label;
    parts.push(`<text x="${labelW - 6}" y="${top + 14}" text-anchor="end" font-size="11">${esc(label)}</text>`);
    parts.push(`<rect class="bar" x="${labelW}" y="${top}" width="${Math.max(1, x(b.value) - labelW).toFixed(1)}" height="${rowH - 6}" fill="${b.open ? `url(#open-${esc(spec.id)})` : '#1f5fa8'}" data-value="${b.value}" data-open="${b.open}"><title>${esc(`${b.label}: ${b.open ? 'at least ' : ''}${Math.floor(b.value)} ${spec.unit}`)}</title></rect>`);
    parts.push(`<text x="${(x(b.value) + 4).toFixed(1)}" y="${top + 14}" font-size="11">${esc(`${b.open ? '≥ ' : ''}${Math.floor(b.value)} ${spec.unit}${b.open ? ' (open)' : ''}`)}</text>`);
  });
  if (spec.threshold !== null) parts.push(`<line x1="${x(spec.threshold).toFixed(1)}" x2="${x(spec.threshold).toFixed(1)}" y1="0" y2="${h - 24}" stroke="#b91c1c" stroke-dasharray="4 3"/><text x="${x(spec.threshold).toFixed(1)}" y="${h - 10}" font-size="11" text-anchor="middle">${esc(`${spec.threshold} ${spec.unit}`)}</text>`);
  if (spec.bars.length === 0) parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">nobody left in the period</text>`);
  return `<figure class="chart" id="${esc(spec.id)}"><figcaption>${esc(spec.title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="${esc(spec.title)}">${parts.join('')}</svg></figure>`;
}

/** One cell per evaluated run along the period's time axis: blank space where there was no run. */
export function statusStrip(spec: { from: string; to: string; points: { t: string; status: string; runId: number }[] }): string {
  const w = 360;
  const h = 14;
  const t0 = Date.parse(spec.from);
  const t1 = Math.max(Date.parse(spec.to), t0 + 1);
  const fill: Record<string, string> = { pass: '#15803d', fail: '#b91c1c', not_evaluable: '#a16207', not_applicable: '#9ca3af' };
  const cell = Math.max(2, Math.min(12, w / Math.max(1, spec.points.length)));
  const rects = spec.points.map((p) => {
    const x = ((Date.parse(p.t) - t0) / (t1 - t0)) * (w - cell);
    return `<rect x="${x.toFixed(1)}" y="0" width="${cell.toFixed(1)}" height="${h}" fill="${fill[p.status] ?? '#6b7280'}" data-status="${esc(p.status)}"><title>${esc(`run ${p.runId} (${p.t}): ${p.status}`)}</title></rect>`;
  });
  return `<svg class="strip" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="status per run"><rect x="0" y="0" width="${w}" height="${h}" fill="#f3f4f6"/>${rects.join('')}</svg>`;
}
