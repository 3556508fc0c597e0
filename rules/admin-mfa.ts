import { z } from 'zod';
import type { RoleAssignment } from '../src/core/model.ts';
import type { ResultBreakdown, ResultSubject, Rule, RuleVerdict } from '../src/core/rule.ts';
import type { SnapshotView } from '../src/evaluate/snapshot-view.ts';
import { createMfaLookup, instancesWithMfaData, methodsNotReported } from './mfa-lookup.ts';
import type { AccountMfa } from './mfa-lookup.ts';
import { CLASS_LABELS, formatPercent, formatThreshold, join, plural, sum } from './measure.ts';
import { ratioVerdict as verdict } from './measure.ts';
import { ownerLabel } from './cloud-account.ts';

export const adminMfaParams = z
  .object({
    /** Share (0..1) of privileged accounts that must have MFA. @default 1 (every one) */
    threshold: z.number().min(0).max(1).default(1),
  })
  .strict();
export type AdminMfaParams = z.infer<typeof adminMfaParams>;

/**
 * Every privileged account must have MFA registered.
 *
 * Decisions:
 * - Privileged = any `role_assignment` with `privileged: true`, active OR eligible (an eligible
 *   admin can activate the role at any moment). Assignments match accounts by key within the
 *   same instance.
 * - Break-glass accounts are checked, more strictly: they need a strong method (controls.md). When
 *   the vendor says MFA is on but not which methods (`methodsKnown: false`: Google's directory,
 *   AWS's credential report), a strong method can be neither confirmed nor ruled out: the account
 *   is a `not_evaluable` subject. For every other privileged account `registered` is enough.
 * - Disabled accounts and service principals are excluded and listed with the reason (neither can
 *   complete an MFA sign-in; service principals are reviewed under privileged access).
 * - Fail closed where we cannot see: a privileged role assigned to a group (members are not
 *   collected yet), to an account that was not collected, or in an instance without MFA data is a
 *   `not_evaluable` subject. The result is then `not_evaluable`, unless the accounts we can see
 *   already prove the threshold is missed, which is a `fail`.
 * - No privileged account to check → `not_evaluable`, never a vacuous pass.
 */
export const adminMfa: Rule<AdminMfaParams> = {
  id: 'admin-mfa',
  title: 'MFA on every privileged account',
  description: 'Every account holding a privileged role (active or eligible) has MFA registered; break-glass accounts need a strong method.',
  controls: ['ISO27001:2022/A.8.2', 'ISO27001:2022/A.8.5', 'SOC2/CC6.1', 'CISv8/6.5'],
  requires: [
    { entity: 'account', fields: ['enabled', 'vendorType'] },
    { entity: 'mfa', fields: ['registered', 'strongMethods'] },
    { entity: 'role_assignment' },
  ],
  paramsSchema: adminMfaParams,
  evaluate(view, { threshold }) {
    const principals = privilegedPrincipals(view);
    if (principals.length === 0) {
      const reason = 'no privileged role assignments were found, so there is no privileged account to check';
      return verdict('not_evaluable', reason, null, threshold, [reason], [], []);
    }

    const tallies = new Map<string, Tally>();
    const subjects: ResultSubject[] = [];
    const reasons: string[] = [];
    const check = createChecker(view);
    for (const p of principals) {
      let t = tallies.get(p.instance);
      if (!t) tallies.set(p.instance, (t = { instance: p.instance, checked: 0, ok: 0, unknownAccounts: 0, unconfirmed: 0, groups: 0, excluded: 0 }));
      const outcome = check(p);
      if (outcome.kind === 'ok') {
        t.checked += 1;
        t.ok += 1;
        continue;
      }
      subjects.push(outcome.subject);
      if (outcome.kind === 'fail') t.checked += 1;
      else if (outcome.kind === 'excluded') t.excluded += 1;
      else if (outcome.kind === 'unknown') {
        if (p.type === 'group') t.groups += 1;
        else if (outcome.unconfirmed) t.unconfirmed += 1;
        else t.unknownAccounts += 1;
        reasons.push(outcome.reason);
      }
    }

    const all = [...tallies.values()].sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
    const overall: Tally = {
      instance: 'overall',
      checked: sum(all, (t) => t.checked),
      ok: sum(all, (t) => t.ok),
      unknownAccounts: sum(all, (t) => t.unknownAccounts),
      unconfirmed: sum(all, (t) => t.unconfirmed),
      groups: sum(all, (t) => t.groups),
      excluded: sum(all, (t) => t.excluded),
    };
    const status = decide(overall, threshold);
    const summary = describe(overall, threshold);
    const measured = overall.checked > 0 ? overall.ok / overall.checked : null;
    if (status === 'not_evaluable' && reasons.length === 0) reasons.push('no enabled privileged account to check');
    const breakdown: ResultBreakdown[] = [
      { scope: 'overall', status, measured, summary },
      ...all.map((t) => ({ scope: t.instance, status: decide(t, threshold), measured: t.checked > 0 ? t.ok / t.checked : null, summary: describe(t, threshold) })),
    ];
    return verdict(status, summary, measured, threshold, status === 'not_evaluable' ? reasons : [], breakdown, subjects);
  },
};

interface Principal {
  instance: string;
  key: string;
  type: RoleAssignment['principalType'];
  name: string;
  /** e.g. "Global Administrator (active), User Administrator (eligible)". */
  roles: string;
}

interface Tally {
  instance: string;
  checked: number;
  ok: number;
  unknownAccounts: number;
  /** Break-glass accounts with MFA on whose methods the vendor does not report. */
  unconfirmed: number;
  groups: number;
  excluded: number;
}

type CheckOutcome =
  | { kind: 'ok' }
  | { kind: 'fail' | 'excluded'; subject: ResultSubject }
  | { kind: 'unknown'; subject: ResultSubject; reason: string; unconfirmed?: boolean };

function privilegedPrincipals(view: SnapshotView): Principal[] {
  const byPrincipal = new Map<string, { first: RoleAssignment; roles: Set<string> }>();
  for (const a of view.entities('role_assignment')) {
    if (!a.privileged) continue;
    const id = `${a.source.instance}\u0000${a.principalKey}`;
    const entry = byPrincipal.get(id) ?? { first: a, roles: new Set<string>() };
    entry.roles.add(`${a.roleName || a.roleId} (${a.assignment})`);
    byPrincipal.set(id, entry);
  }
  return [...byPrincipal.values()].map(({ first, roles }) => ({
    instance: first.source.instance,
    key: first.principalKey,
    type: first.principalType,
    name: first.principalName ?? first.principalKey,
    roles: [...roles].sort().join(', '),
  }));
}

function createChecker(view: SnapshotView): (p: Principal) => CheckOutcome {
  const mfaFor = createMfaLookup(view);
  const withMfaData = instancesWithMfaData(view);
  return (p) => {
    const subject = (status: ResultSubject['status'], why: string, label = p.name): ResultSubject => ({ ref: p.key, label, instance: p.instance, status, why });
    if (p.type === 'group') {
      const why = `${p.roles} assigned to group ${p.name}; group members are not collected yet, so their MFA cannot be checked`;
      return { kind: 'unknown', subject: subject('not_evaluable', why), reason: `privileged role assigned to group ${p.name} in ${p.instance}; group members are not collected` };
    }
    if (p.type === 'service_principal') {
      return { kind: 'excluded', subject: subject('excluded', `${p.roles} held by a service principal, which signs in with credentials, not MFA; review it under privileged access`) };
    }
    // `user`, or `unknown` type: checked as an account when one with that key was collected.
    const account = view.find('account', p.instance, p.key);
    if (!account) {
      const why = `${p.roles} assigned to an account that was not collected, so its MFA cannot be checked`;
      return { kind: 'unknown', subject: subject('not_evaluable', why), reason: `${p.name} in ${p.instance} holds ${p.roles} but its account was not collected` };
    }
    const label = ownerLabel(account);
    const cls = view.accountClass(account);
    if (cls.class === 'disabled') return { kind: 'excluded', subject: subject('excluded', `${p.roles}; not checked: ${cls.why}`, label) };
    if (!withMfaData.has(p.instance)) {
      const reason = `no MFA data is collected from ${p.instance}, so the MFA of its privileged accounts cannot be checked`;
      return { kind: 'unknown', subject: subject('not_evaluable', `${p.roles}; ${reason}`, label), reason };
    }
    const mfa = mfaFor(account);
    if (cls.class === 'break_glass') {
      if (mfa && mfa.strongMethods.length > 0) return { kind: 'ok' };
      if (mfa?.registered && !mfa.methodsKnown) {
        const why = `${methodsNotReported(mfa, p.instance)}; a strong method cannot be confirmed`;
        return { kind: 'unknown', subject: subject('not_evaluable', `break-glass account with ${p.roles}; ${why}`, label), reason: `break-glass account ${label} in ${p.instance}: ${why}`, unconfirmed: true };
      }
      return { kind: 'fail', subject: subject('fail', breakGlassWhy(p.roles, mfa), label) };
    }
    if (mfa?.registered) return { kind: 'ok' };
    const note = cls.class === 'human' ? '' : ` (${CLASS_LABELS[cls.class]} account)`;
    const why = mfa ? `${p.roles} without any MFA method registered${note}` : `${p.roles}; no MFA registration record for this account${note}`;
    return { kind: 'fail', subject: subject('fail', why, label) };
  };
}

function breakGlassWhy(roles: string, mfa: AccountMfa | undefined): string {
  const rule = 'break-glass accounts must hold a strong (phishing-resistant or app-based) MFA method';
  if (!mfa) return `break-glass account with ${roles}; no MFA registration record for this account; ${rule}`;
  if (!mfa.registered && mfa.methods.length === 0) return `break-glass account with ${roles} without any MFA method registered; ${rule}`;
  return `break-glass account with ${roles} has only weak MFA (${mfa.methods.join(', ') || 'no method named'}); ${rule}`;
}

/** Fail as soon as the accounts we can see prove the threshold is missed; otherwise unknowns block a verdict. */
function decide(t: Tally, threshold: number): RuleVerdict['status'] {
  const unknown = t.unknownAccounts + t.unconfirmed + t.groups;
  if (t.checked === 0 && unknown === 0) return 'not_evaluable';
  if (unknown === 0) return t.ok / t.checked >= threshold ? 'pass' : 'fail';
  const fails = t.checked - t.ok;
  // A group may hold any number of members, all with MFA, so only a 100% threshold is then decided by one failure.
  const maybe = t.unknownAccounts + t.unconfirmed;
  const couldPass = t.groups > 0 ? fails === 0 || threshold < 1 : (t.ok + maybe) / (t.checked + maybe) >= threshold;
  return couldPass ? 'not_evaluable' : 'fail';
}

function describe(t: Tally, threshold: number): string {
  const head =
    t.checked > 0
      ? `${t.ok} of ${plural(t.checked, 'privileged account')} ${t.checked === 1 ? 'has' : 'have'} MFA (${formatPercent(t.ok / t.checked)}, threshold ${formatThreshold(threshold)})`
      : t.unknownAccounts + t.unconfirmed + t.groups > 0
        ? `no privileged account could be fully checked (threshold ${formatThreshold(threshold)})`
        : `no enabled privileged account to check (threshold ${formatThreshold(threshold)})`;
  return join(
    head,
    t.groups > 0 ? `${plural(t.groups, 'privileged group')} not checked (members not collected)` : '',
    t.unknownAccounts > 0 ? `${plural(t.unknownAccounts, 'privileged account')} not checked (account or MFA data not collected)` : '',
    t.unconfirmed > 0 ? `${plural(t.unconfirmed, 'break-glass account')} with MFA on but no strong method confirmed (methods not reported)` : '',
    t.excluded > 0 ? `excluded ${t.excluded} (disabled accounts, service principals)` : '',
  );
}

