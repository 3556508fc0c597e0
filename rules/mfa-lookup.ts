import type { Account } from '../src/core/model.ts';
import type { SnapshotView } from '../src/evaluate/snapshot-view.ts';

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
      methodsKnown: (prev?.methodsKnown ?? true) && m.methodsKnown !== false,
      connector: m.source.connector,
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

/** How each vendor words "a second factor is on" when it does not say which methods. */
const METHODS_NOT_REPORTED: Record<string, string> = {
  'google-workspace': 'Google reports 2-Step Verification is on but not which methods',
  'aws-iam': 'AWS reports an MFA device is active but not which kind',
};

/** e.g. "Google reports 2-Step Verification is on but not which methods". */
export function methodsNotReported(mfa: Pick<AccountMfa, 'connector'>, instance: string): string {
  return METHODS_NOT_REPORTED[mfa.connector] ?? `${instance} reports MFA is on but not which methods`;
}
