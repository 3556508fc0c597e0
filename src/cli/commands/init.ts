import { copyFile, access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AgentError } from '../../core/errors.ts';
import { EXIT } from '../exit-codes.ts';

const EXAMPLE = fileURLToPath(new URL('../../../config/example.yaml', import.meta.url));

/** Writes the commented example config; never overwrites an existing file. */
export async function initCommand(opts: { out: string; stdout: NodeJS.WritableStream }): Promise<number> {
  const exists = await access(opts.out).then(
    () => true,
    () => false,
  );
  if (exists) throw new AgentError('usage', `${opts.out} already exists; choose another path with --out or remove it first`);
  await copyFile(EXAMPLE, opts.out);
  opts.stdout.write(`Wrote ${opts.out}. Fill in tenantId and clientId, export EVIDENTIA_M365_CLIENT_SECRET, then run \`evidentia check -c ${opts.out}\`.\n`);
  return EXIT.ok;
}
