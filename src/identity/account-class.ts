import type { Account } from '../core/model.ts';
import type { AccountClass, AccountClassification } from '../evaluate/snapshot-view.ts';
import { createMappingLookup } from './mappings.ts';
import type { IdentityMapping } from './mappings.ts';

/**
 * Which class of account rules must treat an account as (human, guest, service, …), with the
 * reason in words, so every exclusion a rule makes can be explained to an auditor.
 *
 * Order, first match wins, and why:
 * 0. `root` (vendorType `root`): a cloud account's root user (AWS) is judged by the root-account
 *    rule (MFA on, no access keys), not by MFA coverage or sign-in rules. It comes before
 *    `disabled` because AWS cannot disable a root user: an `enabled: false` there would be a mapping
 *    quirk, and the root user must never drop out of the one rule that checks it. It comes before
 *    the config lists because no config entry can make a root user a person or a service.
 * 1. `disabled` (`enabled === false`): a disabled account cannot sign in, whatever else it is.
 *    A disabled configured break-glass account is `disabled` too (it cannot be used for emergency
 *    access, and rules treat it like any disabled account), but its `why` says it is a configured
 *    break-glass account so the reviewer notices the emergency access is unusable.
 * 2. `break_glass` (config list): a person listed it on purpose; that beats what the vendor says
 *    (emergency accounts are usually ordinary cloud-only members to the vendor).
 * 3. `service` (config list, or vendorType `service`): non-human, so not counted as a person.
 * 4. `shared_mailbox` (config list): vendors show these as members; only config can tell.
 * 5. `guest` (vendorType `guest`): external identities, measured by their own rules.
 * 6. `service` by name (see `SERVICE_NAME_PREFIXES`): an account whose username or e-mail local part
 *    starts with `svc-`, `noreply`… is treated as a service account, and the `why` says it was a
 *    name-based guess and how to confirm it (`accounts.service`) or overrule it (`identity.mappings`:
 *    a mapped account is linked to a person, so the name guess is not applied to it). It comes after
 *    every config list and vendor fact, so a person's word always beats the guess.
 * 7. `future_hire` (hireDate after the run): created before the start date; nobody uses it yet.
 * 8. `human`: everything else, including vendorType `unknown`: counting an unknown account as a
 *    person makes checks stricter, never looser (fail closed), and the `why` says it was a guess.
 *
 * Config lists hold usernames or emails, matched case-insensitively against both; `*` matches any
 * run of characters (e.g. `svc-*@contoso.com`). No other character is special.
 */

export interface AccountLists {
  breakGlass?: readonly string[];
  service?: readonly string[];
  sharedMailbox?: readonly string[];
}

export type AccountClassifier = (account: Account, asOf: Date) => AccountClassification;

/**
 * Name prefixes that mark non-human accounts in practice (scanners, backup agents, mail senders).
 * Kept short on purpose: each entry is a guess a reviewer must be able to follow, and a longer list
 * (`admin`, `test`, `scan`) would catch real people's names.
 */
export const SERVICE_NAME_PREFIXES = ['svc-', 'svc_', 'service-', 'noreply', 'no-reply'] as const;

/** The prefix an account's username or e-mail local part starts with, or null. */
export function serviceNamePrefix(account: Account): string | null {
  for (const value of [account.username, account.email]) {
    if (value === null) continue;
    const local = value.trim().toLowerCase().split('@')[0] ?? '';
    const hit = SERVICE_NAME_PREFIXES.find((p) => local.startsWith(p));
    if (hit !== undefined) return hit;
  }
  return null;
}

/** A case-insensitive matcher for one config entry; `*` is the only wildcard. */
export function compileAccountPattern(pattern: string): (value: string) => boolean {
  const source = pattern
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${source}$`, 's');
  return (value) => re.test(value.toLowerCase());
}

interface CompiledList {
  match(account: Account): string | null;
}

function compileList(patterns: readonly string[] = []): CompiledList {
  const compiled = patterns.map((p) => ({ pattern: p, test: compileAccountPattern(p) }));
  return {
    /** The config entry the account matched (for the `why`), or null. */
    match(account) {
      for (const { pattern, test } of compiled) {
        if (test(account.username) || (account.email !== null && test(account.email))) return pattern;
      }
      return null;
    },
  };
}

/**
 * Compiles the lists once; the returned function is called for every account of a snapshot.
 * `mappings` (`identity.mappings`): mapped accounts belong to a person, so the name guess is skipped.
 */
export function createAccountClassifier(lists: AccountLists = {}, mappings: readonly IdentityMapping[] = []): AccountClassifier {
  const mapped = createMappingLookup(mappings);
  const breakGlass = compileList(lists.breakGlass);
  const service = compileList(lists.service);
  const sharedMailbox = compileList(lists.sharedMailbox);

  return (account, asOf) => {
    const where = account.source.instance;
    if (account.vendorType === 'root') return result('root', rootWhy(account));
    const bg = breakGlass.match(account);
    if (!account.enabled) {
      return bg === null
        ? result('disabled', `disabled in ${where}; a disabled account cannot sign in`)
        : result(
            'disabled',
            `configured break-glass account (matches "${bg}") that is disabled in ${where}; it cannot sign in, so it cannot be used for emergency access`,
          );
    }
    if (bg !== null) return result('break_glass', `configured break-glass (emergency access) account (matches "${bg}")`);

    const svc = service.match(account);
    if (svc !== null) return result('service', `configured service account (matches "${svc}")`);
    if (account.vendorType === 'service') return result('service', `${where} marks it as a service or workload account`);

    const shared = sharedMailbox.match(account);
    if (shared !== null) return result('shared_mailbox', `configured shared mailbox (matches "${shared}")`);

    if (account.vendorType === 'guest') return result('guest', `guest (external) account in ${where}`);

    const prefix = serviceNamePrefix(account);
    if (prefix !== null && mapped.of(account).length === 0) {
      return result(
        'service',
        `name starts with ${prefix}: treated as a service account (add it to accounts.service to confirm, or to identity.mappings to link it to a person)`,
      );
    }

    const hire = account.hireDate === null ? Number.NaN : Date.parse(account.hireDate);
    if (hire > asOf.getTime()) {
      return result('future_hire', `future hire: starts ${account.hireDate!.slice(0, 10)}, after this run (${asOf.toISOString().slice(0, 10)})`);
    }

    if (account.vendorType === 'unknown') {
      return result('human', `${where} does not say what kind of account this is; treated as a person so it is not left out of checks`);
    }
    return result('human', `enabled member account in ${where}`);
  };
}

/** One-off classification; prefer `createAccountClassifier` when classifying many accounts. */
export function classifyAccount(account: Account, asOf: Date, lists: AccountLists = {}, mappings: readonly IdentityMapping[] = []): AccountClassification {
  return createAccountClassifier(lists, mappings)(account, asOf);
}

function rootWhy(account: Account): string {
  const id = account.attributes['awsAccountId'];
  const whose = (typeof id === 'string' && id !== '') || typeof id === 'number' ? `AWS account ${id}` : `the cloud account in ${account.source.instance}`;
  return `root user of ${whose}; judged by the root-account rule, not by MFA coverage`;
}

function result(cls: AccountClass, why: string): AccountClassification {
  return { class: cls, why };
}
