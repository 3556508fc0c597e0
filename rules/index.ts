import type { Rule } from '../src/core/rule.ts';
import { accessKeys } from './access-keys.ts';
import { adminMfa } from './admin-mfa.ts';
import { guestAccounts } from './guest-accounts.ts';
import { leaverAccess } from './leaver-access.ts';
import { mfaCoverage } from './mfa-coverage.ts';
import { orphanedAccounts } from './orphaned-accounts.ts';
import { privilegedCount } from './privileged-count.ts';
import { rootAccount } from './root-account.ts';
import { shadowAi } from './shadow-ai.ts';
import { staleAccounts } from './stale-accounts.ts';

/**
 * Every built-in rule, in the order results are reported. Add a rule here (and its controls to
 * `control-catalog.ts` if new); `index.test.ts` checks ids and control mappings.
 */
export const allRules: readonly Rule[] = Object.freeze([mfaCoverage, adminMfa, staleAccounts, leaverAccess, privilegedCount, rootAccount, accessKeys, guestAccounts, orphanedAccounts, shadowAi]);

export function findRule(id: string): Rule | undefined {
  return allRules.find((r) => r.id === id);
}
