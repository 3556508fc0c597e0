import { loadConfig } from '../../config/agent-config.ts';
import { initSigningKeys, resolveKeyDir } from '../../export/signing-keys.ts';
import { EXIT } from '../exit-codes.ts';

/** `evidentia keys init`: the Ed25519 pair that signs export packages. */
export async function keysInitCommand(opts: { dir?: string; configFile: string; stdout: NodeJS.WritableStream }): Promise<number> {
  let dir: string;
  if (opts.dir !== undefined) dir = resolveKeyDir({ dir: opts.dir, configFile: opts.configFile, storePath: '.' });
  else {
    const { config, file } = await loadConfig(opts.configFile);
    dir = resolveKeyDir({ keyDir: config.export?.keyDir, configFile: file, storePath: config.store.path });
  }
  const made = await initSigningKeys(dir);
  opts.stdout.write(
    [
      `Made an Ed25519 signing key pair in ${made.dir}`,
      `  private key: ${made.privateKeyPath} (mode 0600; never leaves this machine, never put into a package)`,
      `  public key:  ${made.publicKeyPath}`,
      `  fingerprint: ${made.fingerprint}`,
      'Give the public key (or its fingerprint) to your auditor through another channel than the package, so they can pin it: evidentia verify <package> --key <public key>',
    ].join('\n') + '\n',
  );
  return EXIT.ok;
}
