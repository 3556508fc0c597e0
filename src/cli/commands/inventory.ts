import type { App } from '../../run/app.ts';
import { AgentError, UsageError } from '../../core/errors.ts';
import { CSV_FILE_OF, inventoryCsvFiles } from '../../inventory/csv-files.ts';
import { INVENTORY_KINDS } from '../../inventory/inventory-schema.ts';
import type { InventoryKind, RunInventories } from '../../inventory/inventory-schema.ts';
import { renderInventories } from '../../report/inventory-text.ts';
import type { RunRecord } from '../../store/evidence-store.ts';
import { EXIT } from '../exit-codes.ts';
import { selectOrgs } from '../../run/pipeline.ts';

export const INVENTORY_FORMATS = ['table', 'csv', 'json'] as const;
export type InventoryFormat = (typeof INVENTORY_FORMATS)[number];

export interface InventoryOptions {
  org?: string;
  kind?: InventoryKind;
  run?: number;
  format: InventoryFormat;
  out: NodeJS.WritableStream;
}

interface Found {
  run: RunRecord;
  evaluationId: number;
  inventories: RunInventories;
}

/**
 * The inventories stored with the latest evaluation of the latest evaluated run per organisation
 * (or of one run), from the store alone. Exit 0 when every inventory shown is complete, 3 when one
 * is not (or none is stored yet): an incomplete list must not pass for a complete one in a script.
 */
export async function inventoryCommand(app: App, opts: InventoryOptions): Promise<number> {
  const kinds = opts.kind ? [opts.kind] : [...INVENTORY_KINDS];
  if (opts.format === 'csv' && kinds.length !== 1) {
    throw new UsageError(`--format csv prints one file: add --kind (${INVENTORY_KINDS.join(', ')}); \`evidentia export\` writes them all`);
  }
  const found: Found[] = [];
  const missing: string[] = [];
  if (opts.run !== undefined) {
    const run = await app.store.getRun(opts.run);
    if (!run) throw new AgentError('not_found', `run ${opts.run} does not exist; \`evidentia runs\` lists the stored runs`);
    const f = await inventoriesOf(app, run);
    if (typeof f === 'string') throw new AgentError('not_found', f);
    found.push(f);
  } else {
    for (const i of selectOrgs(app, opts.org)) {
      const org = app.config.organisations[i]!.id;
      const run = await app.store.latestEvaluatedRun(org);
      const f = run ? await inventoriesOf(app, run) : `${org}: no evaluated run yet; run \`evidentia collect\``;
      if (typeof f === 'string') missing.push(f);
      else found.push(f);
    }
  }
  if (opts.format === 'csv' && found.length > 1) {
    throw new UsageError(`--format csv prints one file, but ${found.length} organisations have inventories: add --org (${found.map((f) => f.run.org).join(', ')})`);
  }

  if (opts.format === 'json') {
    const payload = found.map(({ run, evaluationId, inventories }) => ({
      org: run.org,
      runId: run.id,
      evaluationId,
      collectedAt: inventories.asOf,
      manifestHash: run.manifestHash,
      inventories: Object.fromEntries(kinds.map((k) => [k, inventories[k]])),
    }));
    opts.out.write(`${JSON.stringify(payload, null, 2)}\n`);
  } else if (opts.format === 'csv') {
    const [f] = found;
    if (f) opts.out.write(inventoryCsvFiles(f.inventories).find((file) => file.name === CSV_FILE_OF[kinds[0]!])!.content);
  } else {
    for (const m of missing) opts.out.write(`${m}\n`);
    for (const { run, evaluationId, inventories } of found) {
      opts.out.write(`\n${run.org} — run ${run.id} (${run.status}), collected ${inventories.asOf}, evaluation ${evaluationId}\n${renderInventories(inventories, kinds)}\n`);
    }
  }
  // Without text output, the reasons would otherwise go unseen: stderr keeps stdout parseable.
  if (opts.format !== 'table') for (const m of missing) app.log.warn({ detail: m }, 'no inventories to show');
  if (found.length === 0) return EXIT.findings;
  return found.every((f) => kinds.every((k) => f.inventories[k].availability.complete)) && missing.length === 0 ? EXIT.ok : EXIT.findings;
}

/** The newest evaluation's inventories, or why there are none (a sentence with what to run). */
async function inventoriesOf(app: App, run: RunRecord): Promise<Found | string> {
  const evaluation = await app.store.latestEvaluation(run.id);
  if (!evaluation) return `run ${run.id} (${run.org}, ${run.status}) has no evaluation; run \`evidentia evaluate --run ${run.id}\``;
  const inventories = await app.store.loadInventories(evaluation.id);
  if (!inventories) return `run ${run.id} (${run.org}) was evaluated before inventories were stored; \`evidentia evaluate --run ${run.id}\` stores them with a new evaluation`;
  return { run, evaluationId: evaluation.id, inventories };
}
