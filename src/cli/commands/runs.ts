import type { App } from '../../run/app.ts';
import { textTable } from '../../report/text-table.ts';
import { EXIT } from '../exit-codes.ts';

export async function runsCommand(app: App, opts: { org?: string; limit: number; json?: boolean; out: NodeJS.WritableStream }): Promise<number> {
  const runs = await app.store.listRuns({ ...(opts.org ? { org: opts.org } : {}), limit: opts.limit });
  if (opts.json) {
    opts.out.write(`${JSON.stringify(runs, null, 2)}\n`);
    return EXIT.ok;
  }
  if (runs.length === 0) {
    opts.out.write('No runs stored yet; `evidentia collect` makes one.\n');
    return EXIT.ok;
  }
  opts.out.write(
    `${textTable(
      ['Run', 'Org', 'Status', 'Started', 'Finished', 'Pages', 'Records', 'Manifest'],
      runs.map((r) => [String(r.id), r.org, r.status, r.startedAt, r.finishedAt ?? '—', String(r.pageCount), String(r.entityCount), r.manifestHash ? `${r.manifestHash.slice(0, 16)}…` : '—']),
    )}\n`,
  );
  return EXIT.ok;
}
