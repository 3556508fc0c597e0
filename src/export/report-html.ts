import type { RuleResult } from '../core/rule.ts';
import type { MetricsReport } from '../metrics/types.ts';
import { formatPercent } from '../core/percent.ts';
import type { ControlHistory } from './control-tally.ts';
import { esc } from './html-escape.ts';
import type { ExportResults } from './results-format.ts';
import { barChart, lineChart, statusStrip, type Series } from './svg-charts.ts';
import { REPORT_CSS } from './report-style.ts';

export type ExportDocument = Omit<ExportResults, 'metrics'> & { metrics: MetricsReport };

export interface ReportInput {
  doc: ExportDocument;
  histories: readonly ControlHistory[];
  keyFingerprint: string;
  chain: { first: string | null; last: string | null };
}

const HOUR_MS = 3_600_000;
/** Subjects listed per rule in the report; the rest are counted and the file holding them is named. */
const SUBJECTS_SHOWN = 200;

const statusText = (s: string): string => s.replace(/_/g, ' ');
const statusCell = (s: string): string => `<td class="status s-${esc(s)}" data-status="${esc(s)}">${esc(statusText(s))}</td>`;

/**
 * `report.html`: one self-contained page (inline CSS and SVG, no script, no external resource).
 * Every piece of tenant data goes through `esc`. Everything shown is read from the same document
 * as `results.json`, so the numbers agree.
 */
export function renderReportHtml(input: ReportInput): string {
  const { doc } = input;
  const title = `ISO/IEC 27001:2022 evidence — ${doc.org.name}`;
  const body = [header(input), soaSection(input), chartsSection(doc), failingSection(doc), exceptionsSection(doc), notEvaluableSection(doc), gapsSection(doc), runsSection(doc)].join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${REPORT_CSS}</style></head>
<body><main>
<h1>${esc(title)}</h1>
${body}
</main></body></html>
`;
}

function header({ doc, keyFingerprint, chain }: ReportInput): string {
  const evaluated = doc.runs.filter((r) => r.evaluation !== null).length;
  const bridging = doc.runs.filter((r) => r.bridging).length;
  return `<section id="about"><dl class="facts">
<dt>Organisation</dt><dd>${esc(doc.org.name)} (<code>${esc(doc.org.id)}</code>)</dd>
<dt>Period</dt><dd><span id="period-from">${esc(doc.period.from)}</span> to <span id="period-to">${esc(doc.period.to)}</span> (end exclusive, UTC)</dd>
<dt>Runs</dt><dd><span id="runs-sealed">${doc.runs.length - bridging}</span> sealed runs, <span id="runs-evaluated">${evaluated}</span> evaluated, <span id="runs-interrupted">${doc.interruptedRuns.length}</span> interrupted (never evidence)${bridging > 0 ? `, <span id="runs-bridging">${bridging}</span> bridging (started before the period, sealed within it; kept for the chain, not counted)` : ''}</dd>
<dt>Chain</dt><dd>first manifest <code>${esc(chain.first ?? '—')}</code><br>last manifest <code>${esc(chain.last ?? '—')}</code></dd>
<dt>Generated</dt><dd>${esc(doc.generatedAt)} by Evidentia ${esc(doc.toolVersion)}</dd>
<dt>Signing key</dt><dd><code>${esc(keyFingerprint)}</code> — check the package with <code>evidentia verify &lt;package&gt; --key &lt;public.pem&gt;</code></dd>
</dl></section>`;
}

function soaSection({ doc, histories }: ReportInput): string {
  const rows = histories.map(({ summary: c, points }) => {
    const strip = statusStrip({ from: doc.period.from, to: doc.period.to, points: points.map((p) => ({ t: p.startedAt, status: p.status, runId: p.runId })) });
    const runIds = points.map((p) => p.runId);
    const restsOn = runIds.length === 0 ? 'none' : runIds.length <= 6 ? runIds.join(', ') : `${runIds.length} runs, ${runIds[0]}–${runIds.at(-1)}`;
    return `<tr data-control="${esc(c.control.replace('ISO27001:2022/', ''))}"><td><b>${esc(c.control.replace('ISO27001:2022/', ''))}</b> ${esc(c.title)}</td><td>${c.rules.map((r) => `<code>${esc(r)}</code>`).join(' ')}</td>${statusCell(c.result)}<td class="num">${c.runs.pass}/${c.runs.fail}/${c.runs.notEvaluable}</td><td class="coverage">${c.coverage.evaluatedRuns} evaluated runs; ${c.coverage.daysWithoutEvaluatedRun} days without one; longest gap ${c.coverage.longestGapHours} h</td><td>${strip}</td><td>${esc(restsOn)}</td></tr>`;
  });
  return `<section id="soa"><h2>Statement of applicability: Annex A controls evidenced</h2>
<p>Each control's result over the period is the worst of its rules in any run: one failing run fails the period; one run that could not be evaluated leaves it not evaluable; a period whose runs all passed but with more than 48 hours without an evaluated run somewhere is <b>pass with gaps</b>, not a plain pass. The strip shows one cell per evaluated run along the period; blank space is time without a run.</p>
<table><thead><tr><th>Control</th><th>Rules</th><th>Result in period</th><th>Runs pass/fail/not evaluable</th><th>Coverage</th><th>Across the period</th><th>Runs it rests on</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></section>`;
}

function chartsSection(doc: ExportDocument): string {
  const m = doc.metrics;
  const gaps = doc.gaps.filter((g) => g.from !== null && g.to !== null).map((g) => ({ from: g.from!, to: g.to! }));
  const base = { from: doc.period.from, to: doc.period.to, gaps, breakAfterMs: m.missedDaysAfterHours * HOUR_MS };
  const systems = (pick: (r: MetricsReport['runs'][number]) => Record<string, number>): string[] => [...new Set(m.runs.flatMap((r) => Object.keys(pick(r))))].sort();
  const mfaSystems = systems((r) => r.mfaBySystem);
  // With one system its line is the overall line; drawn twice, one would hide the other.
  const mfa: Series[] = [
    { name: 'overall', points: m.runs.map((r) => ({ t: r.startedAt, v: r.mfaCoverage, runId: r.runId })) },
    ...(mfaSystems.length > 1 ? mfaSystems.map((s) => ({ name: s, points: m.runs.map((r) => ({ t: r.startedAt, v: r.mfaBySystem[s] ?? null, runId: r.runId })) })) : []),
  ];
  const admins: Series[] = systems((r) => r.admins).map((s) => ({ name: s, points: m.runs.map((r) => ({ t: r.startedAt, v: r.admins[s] ?? null, runId: r.runId })) }));
  const ai: Series[] = [{ name: 'unapproved AI apps', points: m.runs.map((r) => ({ t: r.startedAt, v: r.unapprovedAiApps === null ? null : r.unapprovedAiApps.length, runId: r.runId })) }];
  const leaverHours = numberParam(doc.latest?.results.find((r) => r.ruleId === 'leaver-access'), 'hours');
  const quarters = m.quarters.map((q) => `<tr><td>${esc(q.quarter)}</td><td class="num">${q.runs}</td><td class="num">${q.latestMfaCoverage ? esc(formatPercent(q.latestMfaCoverage.value)) : '—'}</td><td class="num">${q.unapprovedAiApps === null ? '—' : q.unapprovedAiApps.length}</td><td class="num">${q.leavers.count}</td><td class="num">${q.leavers.medianHours ? esc(`${q.leavers.medianHours.open ? '≥ ' : ''}${Math.floor(q.leavers.medianHours.hours)} h`) : '—'}</td><td class="num">${q.leavers.worstHours ? esc(`${q.leavers.worstHours.open ? '≥ ' : ''}${Math.floor(q.leavers.worstHours.hours)} h`) : '—'}</td></tr>`);
  return `<section id="metrics"><h2>Metrics over the period (clause 9.1)</h2>
<p>Computed from the stored runs as <code>evidentia metrics</code> does. Nothing is interpolated: lines break where a run could not measure and across holes of more than ${m.missedDaysAfterHours} h without a run (hatched).</p>
${lineChart({ ...base, id: 'chart-mfa', title: 'MFA coverage of enabled human accounts', series: mfa, yMax: 1, format: (v) => formatPercent(v) })}
${lineChart({ ...base, id: 'chart-admins', title: 'Top-level admin accounts per system', series: admins, format: (v) => String(Math.round(v * 10) / 10) })}
${lineChart({ ...base, id: 'chart-ai', title: 'Unapproved AI apps with grants', series: ai, format: (v) => String(Math.round(v * 10) / 10) })}
${barChart({ id: 'chart-leavers', title: 'Hours from leaving to removal of all access', bars: m.leavers.map((l) => ({ label: `${l.name} (left ${l.leftAt.slice(0, 10)})`, value: l.value.hours, open: l.value.open })), threshold: leaverHours, unit: 'h' })}
<table><thead><tr><th>Quarter</th><th>Runs</th><th>Latest MFA coverage</th><th>Unapproved AI apps</th><th>Leavers</th><th>Median hours to removal</th><th>Worst</th></tr></thead><tbody>${quarters.join('')}</tbody></table>
</section>`;
}

function numberParam(r: RuleResult | undefined, name: string): number | null {
  const v = r?.params[name];
  return typeof v === 'number' ? v : null;
}

function failingSection(doc: ExportDocument): string {
  const latest = doc.latest;
  if (!latest) return `<section id="failing"><h2>Failing subjects</h2><p class="none">No evaluated run in the period: nothing was judged, so nothing is shown as passing.</p></section>`;
  const blocks = latest.results
    .filter((r) => r.subjects.some((s) => s.status !== 'excluded'))
    .map((r) => {
      // Statuses are rendered as they come (pending, severities and future ones included), failures first.
      const shown = r.subjects.filter((s) => s.status !== 'excluded').sort((a, b) => rank(a.status) - rank(b.status));
      const rows = shown.slice(0, SUBJECTS_SHOWN).map((s) => `<tr>${statusCell(s.status)}<td>${esc(s.label)}</td><td>${esc(s.instance)}</td><td>${esc(severityOf(s))}</td><td>${esc(s.why)}</td></tr>`);
      const more = shown.length > SUBJECTS_SHOWN ? `<p>… and ${shown.length - SUBJECTS_SHOWN} more, listed in <code>evaluations/run-${latest.runId}.json</code>.</p>` : '';
      return `<h3 id="rule-${esc(r.ruleId)}">${esc(r.ruleId)} — ${esc(r.title)} <span class="tag s-${esc(r.notApplicable ? 'not_applicable' : r.status)}">${esc(r.notApplicable ? 'N/A' : statusText(r.status))}</span></h3><p>${esc(r.summary)}</p><table><thead><tr><th>Status</th><th>Subject</th><th>System</th><th>Severity</th><th>Why</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}`;
    });
  return `<section id="failing"><h2>Failing subjects with reasons (run ${latest.runId}, the last of the period)</h2>${blocks.join('\n') || '<p class="none">No failing subject.</p>'}</section>`;
}

function rank(status: string): number {
  const order = ['fail', 'not_evaluable', 'pending', 'excepted'];
  const i = order.indexOf(status);
  return i < 0 ? order.length : i;
}

function severityOf(s: object): string {
  const v = (s as { severity?: unknown }).severity;
  return typeof v === 'string' ? v : '';
}

function exceptionsSection(doc: ExportDocument): string {
  const rows = doc.exceptions.map((e) => `<tr>${statusCell(e.status)}<td><code>${esc(e.rule)}</code></td><td>${esc(e.subject)}</td><td>${esc(e.reason)}</td><td>${esc(e.approvedBy)}</td><td>${esc(e.expires)}</td><td class="num">${e.matched}</td></tr>`);
  return `<section id="exceptions"><h2>Exceptions</h2><p>As the last evaluated run listed them: in force (with approver and expiry) and expired (no longer applied).</p>${rows.length === 0 ? '<p class="none">No exception configured.</p>' : `<table><thead><tr><th>Status</th><th>Rule</th><th>Subject</th><th>Reason</th><th>Approved by</th><th>Expires</th><th>Failures covered</th></tr></thead><tbody>${rows.join('')}</tbody></table>`}</section>`;
}

function notEvaluableSection(doc: ExportDocument): string {
  const byKey = new Map<string, { rule: string; reason: string; runs: number[] }>();
  for (const run of doc.runs) {
    for (const r of run.evaluation?.rules ?? []) {
      if (r.status !== 'not_evaluable' || r.notApplicable) continue;
      for (const reason of r.reasons.length > 0 ? r.reasons : [r.summary]) {
        const key = `${r.ruleId}\u0000${reason}`;
        const e = byKey.get(key) ?? { rule: r.ruleId, reason, runs: [] };
        e.runs.push(run.runId);
        byKey.set(key, e);
      }
    }
  }
  const rows = [...byKey.values()].map((e) => `<tr><td><code>${esc(e.rule)}</code></td><td>${esc(e.reason)}</td><td class="num">${e.runs.length}</td><td>${esc(e.runs.length <= 6 ? e.runs.join(', ') : `${e.runs[0]}–${e.runs.at(-1)}`)}</td></tr>`);
  return `<section id="not-evaluable"><h2>Not evaluable, and why</h2>${rows.length === 0 ? '<p class="none">Every rule could be evaluated in every evaluated run.</p>' : `<table><thead><tr><th>Rule</th><th>Reason</th><th>Runs</th><th>Which</th></tr></thead><tbody>${rows.join('')}</tbody></table>`}</section>`;
}

function gapsSection(doc: ExportDocument): string {
  const rows = doc.gaps.map((g) => `<tr><td>${esc(g.kind.replace(/_/g, ' '))}</td><td>${esc(g.runId ?? '')}</td><td>${esc(g.detail)}</td></tr>`);
  return `<section id="gaps"><h2>Gaps</h2><p>Shown as gaps, never filled in.</p>${rows.length === 0 ? '<p class="none">No gap in the period.</p>' : `<table><thead><tr><th>Kind</th><th>Run</th><th>Detail</th></tr></thead><tbody>${rows.join('')}</tbody></table>`}</section>`;
}

function runsSection(doc: ExportDocument): string {
  const rows = doc.runs.map((r) => `<tr data-run="${r.runId}"><td class="num">${r.runId}</td><td>${esc(r.startedAt)}</td>${statusCell(r.status)}<td><code title="${esc(r.manifestHash)}">${esc(r.manifestHash.slice(0, 16))}…</code></td><td>${r.bridging ? 'bridging run: started before the period, not counted' : r.evaluation ? `${esc(r.evaluation.evaluatedAt)}${r.rejudged ? ` <span class="rejudged">(judged again after the fact: first evaluation ${esc(r.rejudged.first.evaluatedAt)}; see Gaps)</span>` : ''}` : 'not evaluated'}</td><td class="num">${r.evaluation ? r.evaluation.rules.filter((x) => x.status === 'fail').length : '—'}</td></tr>`);
  return `<section id="runs"><h2>Runs the evidence rests on</h2><p>Each run's manifest is in <code>manifests/</code>; its SHA-256 is the manifest hash and each links to the one before (<code>evidentia verify &lt;package&gt;</code> checks them).</p><table><thead><tr><th>Run</th><th>Started</th><th>Status</th><th>Manifest SHA-256</th><th>Evaluated</th><th>Rules failing</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}
