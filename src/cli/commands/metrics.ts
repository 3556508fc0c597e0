import type { App } from '../../run/app.ts';
import { UsageError } from '../../core/errors.ts';
import { loadMetrics } from '../../metrics/load-metrics.ts';
import { renderMetrics } from '../../metrics/render-metrics.ts';
import type { MetricsReport } from '../../metrics/types.ts';
import { EXIT } from '../exit-codes.ts';
import { selectOrgs } from '../../run/pipeline.ts';

/**
 * Trends over stored runs (ISO 27001 clause 9.1), per organisation; read-only. Exit 0: metrics
 * measure, they do not pass or fail (the rules' exit codes already do that).
 */
export async function metricsCommand(app: App, opts: { org?: string; from?: string; to?: string; json?: boolean; now: () => Date; out: NodeJS.WritableStream }): Promise<number> {
  const from = opts.from === undefined ? null : dayStart(opts.from, '--from');
  // `--to` is an inclusive day; the period ends at the next midnight (UTC), but not after now, so
  // the time not yet lived is not reported as missed days.
  const end = opts.to === undefined ? null : Date.parse(dayStart(opts.to, '--to')) + 86_400_000;
  if (from !== null && end !== null && Date.parse(from) >= end) throw new UsageError(`--from ${opts.from} is after --to ${opts.to}`);
  const to = end === null ? null : new Date(Math.min(end, opts.now().getTime())).toISOString();
  const reports: MetricsReport[] = [];
  for (const i of selectOrgs(app, opts.org)) reports.push(await loadMetrics(app.store, app.config.organisations[i]!, { from, to }));
  opts.out.write(opts.json ? `${JSON.stringify(reports, null, 2)}\n` : `${reports.map(renderMetrics).join('\n\n')}\n`);
  return EXIT.ok;
}

function dayStart(value: string, flag: string): string {
  const d = new Date(`${value}T00:00:00Z`);
  // Round-tripping rejects 2026-02-30, which Date would roll over into March.
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
  if (!ok) throw new UsageError(`${flag} ${value}: expected a date as YYYY-MM-DD (UTC), e.g. 2026-10-01`);
  return `${value}T00:00:00.000Z`;
}
