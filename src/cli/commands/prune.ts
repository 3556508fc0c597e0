import type { App } from '../../run/app.ts';
import { UsageError } from '../../core/errors.ts';
import { pruneCutoff } from '../../daemon/retention-step.ts';
import { EXIT } from '../exit-codes.ts';

export interface PruneCommandOptions {
  days?: number;
  json?: boolean;
  now: () => Date;
  out: NodeJS.WritableStream;
}

/** Retention by hand (the daemon does it after each run): the same prune, once. */
export async function pruneCommand(app: App, opts: PruneCommandOptions): Promise<number> {
  const days = opts.days ?? app.config.retention.rawPagesDays;
  if (days === undefined) throw new UsageError('prune: no retention configured; set retention.rawPagesDays in the config or pass --days N');
  const olderThan = pruneCutoff(opts.now(), days);
  const result = await app.store.prune({ olderThan });
  if (opts.json) opts.out.write(`${JSON.stringify({ ...result, olderThan: olderThan.toISOString() })}\n`);
  else opts.out.write(`Pruned ${result.blobsPruned} raw page bod${result.blobsPruned === 1 ? 'y' : 'ies'} (${result.bytesFreed} bytes) used only by runs started before ${olderThan.toISOString()}; hashes, manifests, entities and results are kept.\n`);
  return EXIT.ok;
}
