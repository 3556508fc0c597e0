import type { App } from '../../run/app.ts';
import { configDigest } from '../../core/config-digest.ts';
import { UsageError } from '../../core/errors.ts';
import { exportPeriod } from '../../export/export-period.ts';
import { chromiumPdfRenderer } from '../../export/render-pdf.ts';
import { loadSigningKey, resolveKeyDir } from '../../export/signing-keys.ts';
import { writeExportPackage } from '../../export/write-package.ts';
import { EXIT } from '../exit-codes.ts';
import { TOOL_VERSION } from '../../run/version.ts';

export interface ExportCommandOptions {
  org?: string;
  from: string;
  to: string;
  out: string;
  pdf?: boolean;
  configFile: string;
  now: () => Date;
  stdout: NodeJS.WritableStream;
}

/** Writes a signed package for an auditor; exit 0 when written (the results inside say what failed). */
export async function exportCommand(app: App, opts: ExportCommandOptions): Promise<number> {
  const orgs = app.config.organisations;
  if (opts.org === undefined && orgs.length > 1) throw new UsageError(`--org is needed: the config has ${orgs.length} organisations (${orgs.map((o) => o.id).join(', ')}); a package holds one`);
  const org = opts.org === undefined ? orgs[0]! : orgs.find((o) => o.id === opts.org);
  if (!org) throw new UsageError(`--org ${opts.org}: no such organisation in the config; known: ${orgs.map((o) => o.id).join(', ')}`);
  const period = exportPeriod(opts.from, opts.to, opts.now());
  // Checked before anything is read or written: a missing key or Chromium is a one-line fix.
  const key = await loadSigningKey(resolveKeyDir({ keyDir: app.config.export?.keyDir, configFile: opts.configFile, storePath: app.config.store.path }));
  const pdf = opts.pdf ? chromiumPdfRenderer() : undefined;
  const summary = await writeExportPackage({ store: app.store, org, period, out: opts.out, now: opts.now, toolVersion: TOOL_VERSION, configDigest: configDigest(app.config, org.id), key, log: app.log, ...(pdf ? { pdf } : {}) });
  opts.stdout.write(
    [
      `Wrote ${summary.out}: ${summary.files.length} files for ${org.id}, ${period.from} to ${period.to}.`,
      `  ${count(summary.runs, 'sealed run')} (${summary.evaluatedRuns} evaluated), ${summary.interruptedRuns} interrupted, ${count(summary.gaps, 'gap')} listed${summary.bridgingRuns > 0 ? `; ${count(summary.bridgingRuns, 'bridging run')} (started before the period, kept so the chain has no hole)` : ''}.`,
      `  Last manifest hash: ${summary.lastManifestHash ?? 'none (no sealed run in the period)'}`,
      `  Signed with key ${key.fingerprint}; the auditor checks it with: evidentia verify ${summary.out} --key <your public key>`,
    ].join('\n') + '\n',
  );
  return EXIT.ok;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
