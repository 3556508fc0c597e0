import type { App } from '../../run/app.ts';
import { UsageError } from '../../core/errors.ts';
import { loadMetrics } from '../../metrics/load-metrics.ts';
import { renderMetrics } from '../../metrics/render-metrics.ts';
import type { MetricsReport } from '../../metrics/types.ts';
import { dayStart, periodEnd } from '../../export/export-period.ts';
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
  if (from !== null && opts.to !== undefined && Date.parse(from) > Date.parse(dayStart(opts.to, '--to'))) throw new UsageError(`--from ${opts.from} is after --to ${opts.to}`);
  const to = opts.to === undefined ? null : periodEnd(opts.to, opts.now());
  const reports: MetricsReport[] = [];
  for (const i of selectOrgs(app, opts.org)) reports.push(await loadMetrics(app.store, app.config.organisations[i]!, { from, to }));
  opts.out.write(opts.json ? `${JSON.stringify(reports, null, 2)}\n` : `${reports.map(renderMetrics).join('\n\n')}\n`);
  return EXIT.ok;
}
