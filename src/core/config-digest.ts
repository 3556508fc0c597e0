import { canonicalJson, sha256Hex } from './canonical-json.ts';
import type { HttpConfig, OrganisationConfig, RulesConfig } from './config.ts';

/**
 * Digest of the effective config, stored with every run. Secrets are never in the config (only
 * references to where they live), so hashing it leaks nothing; the store path is left out
 * because moving the database does not change what was collected.
 */
export function configDigest(config: { rules: RulesConfig; http: HttpConfig; organisations: readonly OrganisationConfig[] }, orgId: string): string {
  const org = config.organisations.find((o) => o.id === orgId);
  return sha256Hex(canonicalJson({ rules: config.rules, http: config.http, organisation: org }));
}
