import type { Account } from '../core/model.ts';
import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import { createMfaLookup, instancesWithMfaData } from '../../rules/mfa-lookup.ts';
import type { MfaState } from './inventory-schema.ts';

/** What every inventory says about an account's MFA and sign-ins, decided once per view. */
export interface AccountFacts {
  mfa(account: Account): { state: MfaState; methods: string[] };
  /** Last successful sign-in; `known: false` when sign-in data was not collected (licence, permission). */
  lastSignIn(account: Account): { at: string | null; known: boolean };
}

export function createAccountFacts(view: SnapshotView): AccountFacts {
  const lookup = createMfaLookup(view);
  const withMfa = instancesWithMfaData(view);
  return {
    mfa(account) {
      // No MFA record, or no MFA stream in the instance at all, is "unknown", never "not registered".
      const m = withMfa.has(account.source.instance) ? lookup(account) : undefined;
      if (m === undefined) return { state: 'unknown', methods: [] };
      return { state: m.registered ? 'registered' : 'not_registered', methods: m.methods };
    },
    lastSignIn(account) {
      if (account.signIn === null) return { at: null, known: false };
      return { at: account.signIn.lastSuccessfulAt, known: true };
    },
  };
}
