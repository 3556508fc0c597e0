import { readFile } from 'node:fs/promises';
import { createPublicKey } from 'node:crypto';
import { UsageError } from '../../core/errors.ts';
import { readPackage } from '../../export/package-reader.ts';
import { verifyPackage } from '../../export/verify-package.ts';
import { EXIT } from '../exit-codes.ts';

/** `evidentia verify <package> [--key public.pem]`: offline, no config or store needed. Exit 4 on any problem. */
export async function verifyPackageCommand(opts: { location: string; key?: string; json?: boolean; stdout: NodeJS.WritableStream }): Promise<number> {
  let pinnedKeyPem: string | undefined;
  if (opts.key !== undefined) {
    try {
      pinnedKeyPem = await readFile(opts.key, 'utf8');
      createPublicKey(pinnedKeyPem);
    } catch {
      throw new UsageError(`--key ${opts.key}: not a readable public key PEM; use the export-signing-key.pub.pem the organisation gave you`);
    }
  }
  const report = verifyPackage(await readPackage(opts.location), pinnedKeyPem === undefined ? {} : { pinnedKeyPem });
  if (opts.json) {
    opts.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.ok ? EXIT.ok : EXIT.integrity;
  }
  if (report.ok) {
    opts.stdout.write(`OK: ${opts.location}: the signature is valid and ${report.filesChecked} files and ${report.runsChecked} run manifests match; the run chain is unbroken.\n`);
    opts.stdout.write(`  organisation ${report.org}, ${report.period?.from} to ${report.period?.to}; last manifest hash ${report.lastManifestHash ?? 'none'}\n`);
    opts.stdout.write(
      report.pinned
        ? `  signed by the pinned key ${report.keyFingerprint}\n`
        : `  signed by ${report.keyFingerprint} (the key inside the package): compare this fingerprint with the one the organisation gave you, or pass --key <public.pem>\n`,
    );
  } else {
    opts.stdout.write(`TAMPERED: ${opts.location}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}\n`);
    for (const p of report.problems) opts.stdout.write(`  ${p.kind}: ${p.detail}\n`);
  }
  return report.ok ? EXIT.ok : EXIT.integrity;
}
