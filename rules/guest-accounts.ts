import type { Account } from '../src/core/model.ts';
import type { Rule } from '../src/core/rule.ts';
import { evaluateSignIns, signInParams } from './stale-accounts.ts';
import type { NeverUsedWords, SignInParams } from './stale-accounts.ts';

/**
 * Enabled guest (external) accounts with no successful sign-in for `days` (default 90); a guest who
 * never signed in, including an invitation still pending acceptance, after `graceDays` (default 30)
 * from its creation (for an invitation, when it was sent).
 *
 * Decisions:
 * - Checked: class `guest` (vendor-marked external accounts; Entra `userType: Guest` or `#EXT#`).
 *   A guest the config lists as break-glass or service is judged in that class instead (by
 *   stale-accounts). Disabled guests are listed as excluded; other accounts are out of scope and not
 *   listed at all.
 * - A pending invitation (Entra `externalUserState: PendingAcceptance`) is a never-used guest and
 *   says so: "invitation not accepted; sent 45 days ago (grace 30)".
 * - Same sign-in data as stale-accounts: without it (M365 without Entra ID P1) the engine answers
 *   `not_evaluable` naming the licence; a guest with no sign-in record is a `not_evaluable` subject.
 * - No guest at all passes: every account stream was read completely and shows no external
 *   account (Google Workspace and AWS have none), so there is nothing dormant to remove.
 * - No `appliesTo`: any Microsoft 365 tenant can hold guests, so the rule applies wherever accounts
 *   are collected.
 * - `measured` counts dormant guests (threshold 0); `null` when not evaluable.
 */
export const guestAccounts: Rule<SignInParams> = {
  id: 'guest-accounts',
  title: 'No dormant guest accounts',
  description:
    'Enabled guest (external) accounts signed in within N days (default 90); a guest who never signed in, or whose invitation is still pending, fails M days after it was created (default 30).',
  controls: ['ISO27001:2022/A.5.18', 'ISO27001:2022/A.5.19', 'SOC2/CC6.2', 'CISv8/5.3'],
  requires: [{ entity: 'account', fields: ['enabled', 'vendorType', 'signIn'] }],
  paramsSchema: signInParams,
  evaluate(view, params) {
    return evaluateSignIns(view, params, {
      scope: (account, cls) => {
        if (cls.class === 'guest') return 'check';
        if (cls.class === 'disabled' && account.vendorType === 'guest') return { excluded: `not checked: disabled guest; ${cls.why}` };
        return null;
      },
      noun: ['enabled guest account', 'enabled guest accounts'],
      whenNone: 'pass',
      everyInstance: false,
      never: (account) => (isPendingInvitation(account) ? PENDING : undefined),
    });
  },
};

const PENDING: NeverUsedWords = { never: 'invitation not accepted', since: 'sent' };

function isPendingInvitation(account: Account): boolean {
  const state = account.attributes['externalUserState'];
  return typeof state === 'string' && state.toLowerCase() === 'pendingacceptance';
}
