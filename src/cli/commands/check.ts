import type { App } from '../../run/app.ts';
import { resolveConnectors } from '../../collect/connector-registry.ts';
import { createConnectorContext } from '../../collect/connector-context.ts';
import { textTable } from '../../report/text-table.ts';
import { describeError } from '../../core/errors.ts';
import type { CheckItem } from '../../core/connector.ts';
import { EXIT } from '../exit-codes.ts';
import { selectOrgs } from '../../run/pipeline.ts';

/** Per connector, whether credentials, each permission and each licence work; reads no data. */
export async function checkCommand(app: App, opts: { org?: string; json?: boolean; signal: AbortSignal; now: () => Date; out: NodeJS.WritableStream }): Promise<number> {
  const report: { org: string; instance: string; connector: string; items: (CheckItem & { required: boolean })[] }[] = [];
  for (const i of selectOrgs(app, opts.org)) {
    const org = app.config.organisations[i]!;
    for (const rc of resolveConnectors(app.config, i, app.registry)) {
      const { ctx, dispose } = createConnectorContext(rc, { org: org.id, http: app.httpFor(rc.instance), secrets: app.secrets, log: app.log, signal: opts.signal, now: opts.now });
      let items: CheckItem[];
      try {
        items = await rc.connector.check(ctx);
      } catch (e) {
        items = [{ name: 'credentials', status: 'failed', detail: describeError(e).split('\n')[0] ?? 'failed' }];
      } finally {
        await dispose();
      }
      const required = new Map(rc.connector.permissions.map((p) => [p.name, p.required]));
      report.push({ org: org.id, instance: rc.instance, connector: rc.connector.id, items: items.map((it) => ({ ...it, required: required.get(it.name) !== false })) });
      if (!opts.json) {
        opts.out.write(`\n${org.id} / ${rc.instance} (${rc.connector.title})\n`);
        opts.out.write(
          `${textTable(
            ['Permission or licence', 'Needed', 'Status', 'Detail'],
            items.map((it) => [it.name, required.get(it.name) === false ? 'optional' : 'required', it.status.toUpperCase(), it.detail]),
            { maxWidth: [40, 8, 11, 120] },
          )}\n`,
        );
      }
    }
  }
  if (opts.json) opts.out.write(`${JSON.stringify(report, null, 2)}\n`);
  // An optional permission that is missing is shown but does not fail the check.
  return report.every((r) => r.items.every((it) => it.status !== 'failed' || !it.required)) ? EXIT.ok : EXIT.integrity;
}
