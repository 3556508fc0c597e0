import type { AccessKey, Account, AppGrant } from '../src/core/model.ts';
import { outcomeUsableFor } from '../src/core/stream-outcome.ts';
import type { SnapshotView } from '../src/evaluate/snapshot-view.ts';

/**
 * What access an account still gives its owner, for leaver-access, in sentences a reviewer reads.
 *
 * Decisions:
 * - An enabled account is access. An ACTIVE access key is access whatever the account's state: an
 *   IAM key authenticates without any console password (access-keys judges keys the same way).
 * - An OAuth grant (app_grant with the account as its consenting principal) is access only while
 *   the account is enabled: Entra and Google issue no token for a disabled or suspended user (the
 *   Google connector records suspended users' unlistable tokens as no current access for this
 *   reason). Counting them would flag every correctly disabled leaver who once consented to an
 *   app. On an enabled account the grants are named, because they outlive a password reset.
 * - A key stream of the account's own connector instance that cannot be used means its keys are
 *   unknown: access cannot be ruled out for a disabled account. Grant streams never block
 *   clearing (a disabled account's grants are not access), so they are not checked.
 */

export interface Holdings {
  /** One phrase per kind of remaining access; empty when the account gives none. */
  access: string[];
  /** Why remaining access cannot be ruled out (an unreadable key stream); empty when it can. */
  unknown: string[];
}

const KEY_FIELDS = ['active', 'lastUsedAt'] as const;

/** `leftAt` (ISO, or null) lets the phrases say what happened after leaving. */
export type HoldingsOf = (account: Account, leftAt: string | null) => Holdings;

export function createHoldings(view: SnapshotView): HoldingsOf {
  const keys = groupBy(view.entities('access_key'), (k) => ref(k.source.instance, k.accountKey));
  const grants = groupBy(
    view.entities('app_grant').filter((g) => g.principalKey !== null),
    (g) => ref(g.source.instance, g.principalKey!),
  );
  const unreadableKeys = new Map<string, string[]>();
  for (const o of view.outcomes) {
    if (o.entity !== 'access_key') continue;
    const { usable, why } = outcomeUsableFor(o, KEY_FIELDS);
    if (!usable) unreadableKeys.set(o.instance, [...(unreadableKeys.get(o.instance) ?? []), why ?? `${o.instance}/${o.stream} cannot be used`]);
  }

  return (account, leftAt) => {
    const id = ref(account.source.instance, account.key);
    const left = leftAt === null ? null : Date.parse(leftAt);
    const access: string[] = [];
    if (account.enabled) access.push(`account still enabled${signedInAfter(account, left)}`);
    for (const k of keys.get(id) ?? []) if (k.active) access.push(describeKey(k, account, left));
    if (account.enabled) {
      const names = [...new Set((grants.get(id) ?? []).map((g) => appName(view, g)))].sort();
      if (names.length > 0) access.push(`OAuth ${names.length === 1 ? 'grant' : 'grants'} to ${names.join(', ')}`);
    }
    const blocked = unreadableKeys.get(account.source.instance) ?? [];
    const unknown = blocked.length === 0 ? [] : [`its access keys could not be read (${blocked.join('; ')})`];
    return { access, unknown };
  };
}

/** `2026-11-19 03:00 UTC`: minutes are enough for "hours since leaving". */
export function utcMinute(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** Evidence that the access was used: a sign-in after the leave date. */
function signedInAfter(account: Account, left: number | null): string {
  const last = account.signIn?.lastSuccessfulAt ?? null;
  if (last === null || left === null || !(Date.parse(last) > left)) return '';
  return ` (signed in after leaving, last ${utcMinute(last)})`;
}

function describeKey(k: AccessKey, owner: Account, left: number | null): string {
  const after = k.lastUsedAt !== null && left !== null && Date.parse(k.lastUsedAt) > left ? ', after leaving' : '';
  const used = k.lastUsedAt === null ? 'never used' : `last used ${utcMinute(k.lastUsedAt)}${after}`;
  return `access key ${shortKeyId(k, owner)} active (${used})`;
}

/** AWS report keys are `<user ARN>#<slot>`: the ARN is the account already named, so `…#1`. */
function shortKeyId(k: AccessKey, owner: Account): string {
  return k.keyId.startsWith(`${owner.key}#`) ? `…${k.keyId.slice(owner.key.length)}` : k.keyId;
}

function appName(view: SnapshotView, g: AppGrant): string {
  return g.appDisplayName ?? view.find('app', g.source.instance, g.appKey)?.displayName ?? g.appKey;
}

function ref(instance: string, key: string): string {
  return `${instance}\u0000${key}`;
}

function groupBy<T>(items: readonly T[], keyOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
