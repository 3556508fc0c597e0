import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { AgentError, UsageError } from '../core/errors.ts';

/** File names inside the key folder; the private one never goes into a package. */
export const PRIVATE_KEY_FILE = 'export-signing-key.pem';
export const PUBLIC_KEY_FILE = 'export-signing-key.pub.pem';

/** The key folder: `--dir`, else config `export.keyDir` (relative to the config file), else `keys/` beside the store. */
export function resolveKeyDir(opts: { dir?: string; keyDir?: string; configFile: string; storePath: string }): string {
  if (opts.dir !== undefined) return resolve(opts.dir);
  if (opts.keyDir !== undefined) return isAbsolute(opts.keyDir) ? opts.keyDir : resolve(dirname(resolve(opts.configFile)), opts.keyDir);
  return join(dirname(resolve(opts.storePath)), 'keys');
}

/**
 * `sha256:` and the hex SHA-256 of the public key's DER (SubjectPublicKeyInfo) bytes: the same
 * value whatever PEM line breaks a copy of the key has, so an auditor can compare it by eye.
 */
export function fingerprintOf(key: KeyObject): string {
  return `sha256:${createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex')}`;
}

export interface KeyInitResult {
  dir: string;
  privateKeyPath: string;
  publicKeyPath: string;
  fingerprint: string;
}

/** Makes a new Ed25519 key pair; refuses to replace an existing one (packages signed with it would no longer verify against a pinned key). */
export async function initSigningKeys(dir: string): Promise<KeyInitResult> {
  const privateKeyPath = join(dir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(dir, PUBLIC_KEY_FILE);
  if (await exists(privateKeyPath)) {
    throw new UsageError(`${privateKeyPath} already exists; keep it (auditors may have pinned its public key) or move it away to make a new one`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // `wx`: never overwrite a key another process wrote meanwhile; 0600 from creation, not chmod after.
  await writeFile(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  await chmod(privateKeyPath, 0o600);
  await writeFile(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  return { dir, privateKeyPath, publicKeyPath, fingerprint: fingerprintOf(publicKey) };
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  fingerprint: string;
}

/** Loads the key pair for signing; without one, says to run `evidentia keys init` (a usage error, exit 2). */
export async function loadSigningKey(dir: string): Promise<SigningKey> {
  const privateKeyPath = join(dir, PRIVATE_KEY_FILE);
  let pem: string;
  try {
    pem = await readFile(privateKeyPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`no signing key at ${privateKeyPath}; run \`evidentia keys init\` first (or set export.keyDir in the config)`);
    throw new AgentError('usage', `cannot read the signing key ${privateKeyPath} (${code ?? 'error'}); check its permissions`, { cause: e });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (e) {
    throw new AgentError('usage', `${privateKeyPath} is not a readable private key; make a new pair with \`evidentia keys init --dir <new folder>\``, { cause: e });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new UsageError(`${privateKeyPath} is a ${privateKey.asymmetricKeyType ?? 'unknown'} key; export packages are signed with Ed25519 (\`evidentia keys init\`)`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), fingerprint: fingerprintOf(publicKey) };
}

export function signText(key: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), key).toString('base64');
}

/** False for a wrong signature, a malformed one, or a key that is not Ed25519. */
export function verifyText(publicKey: KeyObject, text: string, signatureBase64: string): boolean {
  try {
    return publicKey.asymmetricKeyType === 'ed25519' && verify(null, Buffer.from(text, 'utf8'), publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
