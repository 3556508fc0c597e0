import { z } from 'zod';
import { AgentError } from '../../src/core/errors.ts';

/** The fields of a service account JSON key the connector uses (the file has more). */
const keyFile = z.object({
  type: z.literal('service_account'),
  client_email: z.email(),
  private_key: z.string().includes('PRIVATE KEY'),
  private_key_id: z.string().optional(),
  client_id: z.string().optional(),
  project_id: z.string().optional(),
});

export interface ServiceAccount {
  clientEmail: string;
  privateKey: string;
  privateKeyId: string | undefined;
  /** What the admin enters under domain-wide delegation; `null` when the key file lacks it. */
  clientId: string | null;
}

/**
 * Parses the key file's contents. Errors name the field, never echo the contents (they hold the
 * private key), and read as `auth` failures: the credential is unusable.
 */
export function parseServiceAccountKey(text: string, label: string): ServiceAccount {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AgentError('auth_failed', `${label} is not JSON; expected the service account's JSON key file (IAM & Admin → Service accounts → Keys → Add key → JSON)`);
  }
  const parsed = keyFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'the file';
    throw new AgentError('auth_failed', `${label} is not a service account JSON key (${field}: ${issue?.message ?? 'invalid'})`);
  }
  const k = parsed.data;
  return { clientEmail: k.client_email, privateKey: k.private_key, privateKeyId: k.private_key_id, clientId: k.client_id ?? null };
}
