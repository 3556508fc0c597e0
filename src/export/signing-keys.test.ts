import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { chromiumPdfRenderer } from './render-pdf.ts';
import { initSigningKeys, loadSigningKey, PRIVATE_KEY_FILE, resolveKeyDir, signText, verifyText } from './signing-keys.ts';
import { createPublicKey } from 'node:crypto';
import { parseConfigText } from '../config/agent-config.ts';

describe('signing keys', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-keys-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('makes an Ed25519 pair with the private key readable by its owner only, and never replaces it', async () => {
    const made = await initSigningKeys(join(dir, 'keys'));
    expect((await stat(made.privateKeyPath)).mode & 0o777).toBe(0o600);
    const before = await readFile(made.privateKeyPath, 'utf8');
    await expect(initSigningKeys(join(dir, 'keys'))).rejects.toThrow(UsageError);
    expect(await readFile(made.privateKeyPath, 'utf8')).toBe(before);
    const key = await loadSigningKey(join(dir, 'keys'));
    expect(key.fingerprint).toBe(made.fingerprint);
    const sig = signText(key.privateKey, 'hello');
    expect(verifyText(createPublicKey(key.publicKeyPem), 'hello', sig)).toBe(true);
    expect(verifyText(createPublicKey(key.publicKeyPem), 'hellO', sig)).toBe(false);
  });

  it('says to run `evidentia keys init` when there is no key', async () => {
    await expect(loadSigningKey(join(dir, 'none'))).rejects.toThrow(new UsageError(`no signing key at ${join(dir, 'none', PRIVATE_KEY_FILE)}; run \`evidentia keys init\` first (or set export.keyDir in the config)`));
  });

  it('keeps keys beside the store unless --dir or export.keyDir (relative to the config file) says otherwise', () => {
    expect(resolveKeyDir({ configFile: '/etc/evidentia/evidentia.yaml', storePath: '/var/lib/evidentia/evidence.db' })).toBe('/var/lib/evidentia/keys');
    expect(resolveKeyDir({ keyDir: 'signing', configFile: '/etc/evidentia/evidentia.yaml', storePath: '/var/lib/evidentia/evidence.db' })).toBe('/etc/evidentia/signing');
    expect(resolveKeyDir({ dir: '/tmp/k', keyDir: 'signing', configFile: '/etc/evidentia/evidentia.yaml', storePath: '/x/e.db' })).toBe('/tmp/k');
  });

  it('--pdf without Chromium is a usage error naming the path and the package to install', () => {
    expect(() => chromiumPdfRenderer(join(dir, 'no-chromium'))).toThrow(/--pdf needs Chromium at .*no-chromium, which is not installed \(Debian: apt-get install --no-install-recommends chromium\)/);
  });

  it('accepts export.keyDir in the config and names a misspelt key', () => {
    const base = 'organisations:\n  - id: acme\n    name: Acme\n    connectors:\n      - type: m365\n        id: m365-main\n';
    expect(parseConfigText(`${base}export:\n  keyDir: /etc/evidentia/keys\n`).export).toEqual({ keyDir: '/etc/evidentia/keys' });
    expect(() => parseConfigText(`${base}export:\n  keydir: keys\n`)).toThrow(/^export: unknown key "keydir"/);
  });
});
