import type { Account } from '../src/core/model.ts';
import type { SnapshotView } from '../src/evaluate/snapshot-view.ts';

/** What the MFA records of one account say, merged when a vendor reports more than one record. */
export interface AccountMfa {
  registered: boolean;
  methods: string[];
  strongMethods: string[];
}

/**
 * Finds an account's MFA records by `accountKey` within the account's own connector instance
 * (keys are only unique per instance). `undefined` means no record at all: callers must say so
 * rather than treat it as either registered or not without explanation.
 */
export function createMfaLookup(view: SnapshotView): (account: Account) => AccountMfa | undefined {
  const byAccount = new Map<string, AccountMfa>();
  for (const m of view.entities('mfa')) {
    const id = `${m.source.instance}\u0000${m.accountKey}`;
    const prev = byAccount.get(id);
    byAccount.set(id, {
      registered: (prev?.registered ?? false) || m.registered,
      methods: union(prev?.methods, m.methods),
      strongMethods: union(prev?.strongMethods, m.strongMethods),
    });
  }
  return (account) => byAccount.get(`${account.source.instance}\u0000${account.key}`);
}

function union(a: readonly string[] = [], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** Instances that have at least one MFA stream; accounts elsewhere cannot be measured at all. */
export function instancesWithMfaData(view: SnapshotView): Set<string> {
  return new Set(view.outcomes.filter((o) => o.entity === 'mfa').map((o) => o.instance));
}
