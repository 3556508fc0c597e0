import type { App } from '../../run/app.ts';
import { EXIT } from '../exit-codes.ts';

/** Recomputes every hash and each organisation's chain; exit 4 and the first changed run if anything differs. */
export async function verifyCommand(app: App, opts: { json?: boolean; out: NodeJS.WritableStream }): Promise<number> {
  const report = await app.store.verify();
  if (opts.json) {
    opts.out.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (report.ok) {
    opts.out.write(`OK: ${report.runsChecked} runs, ${report.pagesChecked} pages and ${report.evaluationsChecked} evaluations match their hashes; every organisation's chain is unbroken.\n`);
    if (report.pagesPruned > 0) opts.out.write(`  ${report.pagesPruned} page(s) pruned by retention: their hashes are in the chain, their bodies were removed and cannot be re-hashed.\n`);
    // The store cannot vouch for its own newest run (deleting it leaves a valid shorter chain):
    // the head hash is printed so it can be kept somewhere else and compared next time.
    const heads = new Map<string, { id: number; hash: string }>();
    for (const r of await app.store.listRuns({ limit: 100_000 })) {
      if (r.manifestHash && !heads.has(r.org)) heads.set(r.org, { id: r.id, hash: r.manifestHash });
    }
    for (const [org, h] of heads) opts.out.write(`  chain head ${org}: run ${h.id}, manifest sha256 ${h.hash}\n`);
  } else {
    opts.out.write(`TAMPERED: ${report.message}\n`);
    for (const p of report.problems.slice(1, 20)) opts.out.write(`  also run ${p.runId} (${p.kind}): ${p.detail}\n`);
    if (report.problems.length > 20) opts.out.write(`  … ${report.problems.length - 20} more problems (--json lists all)\n`);
  }
  return report.ok ? EXIT.ok : EXIT.integrity;
}
