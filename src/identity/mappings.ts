import type { Account } from '../core/model.ts';
import type { DomainAliases } from './normalise.ts';

/**
 * Explicit links from `organisations[].identity.mappings`. They win over every heuristic, so the
 * way to fix a wrong or missing link is always the same: name the account and the person.
 *
 * `account` is `<instance>/<username>` (case-insensitive), e.g. `aws-prod/ann` or
 * `m365-main/ann@contoso.com`. The account's stored key is accepted in place of the username
 * (`aws-prod/arn:aws:iam::111122223333:user/ann`), because one AWS instance can hold two IAM users
 * with the same name in different AWS accounts; a username mapping applies to all of them.
 * `person` is an e-mail address or an employee id.
 */
export interface IdentityMapping {
  account: string;
  person: string;
  note?: string | undefined;
}

/** The identity part of an organisation's config (`IdentityConfig`), every field optional. */
export interface IdentityOptions {
  domainAliases?: DomainAliases;
  mappings?: readonly IdentityMapping[];
}

export interface MappingLookup {
  /** The mappings naming this account, in config order. */
  of(account: Account): readonly IdentityMapping[];
}

export function createMappingLookup(mappings: readonly IdentityMapping[] = []): MappingLookup {
  const byRef = new Map<string, IdentityMapping[]>();
  for (const m of mappings) {
    const ref = m.account.trim().toLowerCase();
    const list = byRef.get(ref);
    if (list) list.push(m);
    else byRef.set(ref, [m]);
  }
  return {
    of(account) {
      if (byRef.size === 0) return [];
      const instance = account.source.instance.toLowerCase();
      const byName = byRef.get(`${instance}/${account.username.toLowerCase()}`) ?? [];
      const byKey = account.key.toLowerCase() === account.username.toLowerCase() ? [] : (byRef.get(`${instance}/${account.key.toLowerCase()}`) ?? []);
      return byKey.length === 0 ? byName : [...byName, ...byKey];
    },
  };
}
