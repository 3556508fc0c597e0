import type { Account } from '../src/core/model.ts';
import type { DerivedKey, SnapshotView } from '../src/evaluate/snapshot-view.ts';

/** What the MFA records of one account say, merged when a vendor reports more than one record. */
export interface AccountMfa {
  registered: boolean;
  methods: string[];
  strongMethods: string[];
  /**
   * `false` when a record says a second factor is on without saying which (Google's directory,
   * AWS's credential report): empty method lists then mean "not reported", not "none".
   */
  methodsKnown: boolean;
  /** The connector of the records, to word "not which methods" after the vendor. */
  connector: string;
}

/**
 * Finds an account's MFA records by `accountKey` within the account's own connector instance
 * (keys are only unique per instance). `undefined` means no record at all: callers must say so
 * rather than treat it as either registered or not without explanation.
 *
 * The index is built once per view and shared by every rule and inventory that asks.
 */
export function createMfaLookup(view: SnapshotView): (account: Account) => AccountMfa | undefined {
  const index = view.derived(MFA_INDEX, buildMfaIndex);
  return (account) => index.get(account.source.instance)?.get(account.key);
}

const MFA_INDEX: DerivedKey<ReadonlyMap<string, ReadonlyMap<string, AccountMfa>>> = { description: 'MFA records by instance and account key' };

/** instance → account key → merged records; no composite key string per record. */
function buildMfaIndex(view: SnapshotView): Map<string, Map<string, AccountMfa>> {
  const byInstance = new Map<string, Map<string, AccountMfa>>();
  for (const m of view.entities('mfa')) {
    let byAccount = byInstance.get(m.source.instance);
    if (!byAccount) byInstance.set(m.source.instance, (byAccount = new Map()));
    const prev = byAccount.get(m.accountKey);
    byAccount.set(m.accountKey, {
      registered: (prev?.registered ?? false) || m.registered,
      methods: prev ? union(prev.methods, m.methods) : sortedUnique(m.methods),
      strongMethods: prev ? union(prev.strongMethods, m.strongMethods) : sortedUnique(m.strongMethods),
      methodsKnown: (prev?.methodsKnown ?? true) && m.methodsKnown !== false,
      connector: m.source.connector,
    });
  }
  return byInstance;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** The list itself when it is already sorted without duplicates (the usual case), else a sorted copy. */
function sortedUnique(list: readonly string[]): string[] {
  for (let i = 1; i < list.length; i++) if (!(list[i - 1]! < list[i]!)) return union([], list);
  return list as string[];
}

/** Instances that have at least one MFA stream; accounts elsewhere cannot be measured at all. */
export function instancesWithMfaData(view: SnapshotView): Set<string> {
  return new Set(view.outcomes.filter((o) => o.entity === 'mfa').map((o) => o.instance));
}

/** How each vendor words "a second factor is on" when it does not say which methods. */
const METHODS_NOT_REPORTED: Record<string, string> = {
  'google-workspace': 'Google reports 2-Step Verification is on but not which methods',
  'aws-iam': 'AWS reports an MFA device is active but not which kind',
};

/** e.g. "Google reports 2-Step Verification is on but not which methods". */
export function methodsNotReported(mfa: Pick<AccountMfa, 'connector'>, instance: string): string {
  return METHODS_NOT_REPORTED[mfa.connector] ?? `${instance} reports MFA is on but not which methods`;
}
