import { formatPercent } from '../core/percent.ts';
import { textTable } from '../report/text-table.ts';
import type { HoursValue, MetricsReport, QuarterMetrics } from './types.ts';

/** `30 h`; an open case never reads like a resolved one: `open, at least 12 h`. */
export function formatHours(v: HoursValue | null): string {
  if (v === null) return '—';
  const h = Math.floor(v.hours * 10) / 10;
  return v.open ? `open, at least ${h} h` : `${h} h`;
}

const NOT_MEASURED = 'gap';

/** The text report: per-quarter table, trend lines, leavers, gaps. */
export function renderMetrics(r: MetricsReport): string {
  const period = `${r.period.from?.slice(0, 10) ?? 'first run'} to ${r.period.to ? new Date(Date.parse(r.period.to) - 1).toISOString().slice(0, 10) : 'last run'}`;
  const lines = [`${r.org} — metrics from ${r.runs.length} sealed run(s), ${period}`];
  if (r.runs.length === 0) {
    lines.push('No sealed run in this period; `evidentia collect` makes one.');
  } else {
    lines.push(
      '',
      textTable(
        ['Quarter', 'Runs', 'MFA coverage', 'Admins (min–max)', 'Unapproved AI apps', 'AI apps owned', 'Leavers', 'Median to disable', 'Worst'],
        r.quarters.map((q) => [
          q.quarter,
          q.runs === q.evaluatedRuns ? String(q.runs) : `${q.runs} (${q.evaluatedRuns} evaluated)`,
          q.latestMfaCoverage ? formatPercent(q.latestMfaCoverage.value) : NOT_MEASURED,
          adminsText(q) || NOT_MEASURED,
          q.unapprovedAiApps === null ? NOT_MEASURED : String(q.unapprovedAiApps.length),
          ownedText(q),
          q.leavers.unmeasured > 0 ? `${q.leavers.count} (${q.leavers.unmeasured} unmeasured)` : String(q.leavers.count),
          formatHours(q.leavers.medianHours),
          formatHours(q.leavers.worstHours),
        ]),
      ),
      '',
      'Trends (latest measured value per quarter; "gap" = not measured, never filled in):',
      `  MFA coverage:       ${r.quarters.map((q) => `${q.quarter} ${q.latestMfaCoverage ? formatPercent(q.latestMfaCoverage.value) : NOT_MEASURED}`).join(' → ')}`,
      `  Unapproved AI apps: ${r.quarters.map((q) => `${q.quarter} ${q.unapprovedAiApps === null ? NOT_MEASURED : q.unapprovedAiApps.length === 0 ? '0' : `${q.unapprovedAiApps.length} (${q.unapprovedAiApps.map((a) => a.label).join(', ')})`}`).join(' → ')}`,
      `  AI apps owned:      ${r.quarters.map((q) => `${q.quarter} ${ownedText(q)}`).join(' → ')}`,
      ...systems(r).map((s) => `  Admins ${s}: ${r.quarters.map((q) => `${q.quarter} ${range(q.admins[s]) ?? NOT_MEASURED}`).join(' → ')}`),
    );
    if (r.leavers.length > 0) {
      lines.push('', 'Leavers (hours from leaving to the first run that saw no account enabled and no key active):');
      for (const l of r.leavers) {
        const how = l.value.open ? formatHours(l.value) : l.measured ? `${formatHours(l.value)} (closed by run ${l.closedByRun})` : `at most ${formatHours(l.value)}, exact time unknown (no run in the ${Math.floor(l.windowHours ?? 0)} h before run ${l.closedByRun}; see gaps)`;
        lines.push(`  ${l.name} left ${l.leftAt}: ${how}`);
      }
    }
  }
  lines.push('', r.gaps.length === 0 ? 'Gaps: none' : `Gaps (${r.gaps.length}):`);
  for (const g of r.gaps) lines.push(`  - ${g.quarter} ${g.kind}: ${g.detail}`);
  return lines.join('\n');
}

function systems(r: MetricsReport): string[] {
  return [...new Set(r.quarters.flatMap((q) => Object.keys(q.admins)))].sort();
}

function range(m: { min: number; max: number } | undefined): string | null {
  return m === undefined ? null : m.min === m.max ? String(m.min) : `${m.min}–${m.max}`;
}

function adminsText(q: QuarterMetrics): string {
  return Object.entries(q.admins)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([s, m]) => `${s} ${range(m)}`)
    .join(', ');
}

function ownedText(q: QuarterMetrics): string {
  const a = q.latestAiOwnership;
  if (a === null) return NOT_MEASURED;
  return a.share === null ? 'no AI app in use' : `${formatPercent(a.share)} (${a.approvedWithOwner}/${a.inUse})`;
}
