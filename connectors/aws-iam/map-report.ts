import type { AccessKey, Account, EntitySource, MfaStatus } from '../../src/core/model.ts';
import type { StreamFailure } from '../../src/core/stream-outcome.ts';
import type { ParsedReport } from './report-csv.ts';
import { parseRow, type ReportRow } from './report-rows.ts';

/** The account a report belongs to, as the mapped records and failures name it. */
export interface ReportAccount {
  source: EntitySource;
  accountId: string;
  accountName: string | null;
  label: string;
  generatedAt: string;
}

/** What GetAccountAuthorizationDetails adds to a report row, by user ARN. */
export interface UserExtras {
  userId: string;
  email: string | null;
}

/** Every usable row, plus one `invalid` failure per row that is not (naming its line and user). */
export function readRows(parsed: ParsedReport, a: ReportAccount): { rows: ReportRow[]; failures: StreamFailure[] } {
  if (parsed.missingColumns.length > 0) {
    return { rows: [], failures: [{ kind: 'invalid', detail: `the credential report of account ${a.label} has no column ${parsed.missingColumns.join(', ')}; none of its rows were used` }] };
  }
  const failures: StreamFailure[] = parsed.malformed.map((m) => ({ kind: 'invalid', detail: `credential report of account ${a.label}, line ${m.line}: ${m.why}; the row was not counted` }));
  const rows: ReportRow[] = [];
  for (const r of parsed.rows) {
    const out = parseRow(r.line, r.values);
    if ('row' in out) rows.push(out.row);
    else failures.push({ kind: 'invalid', detail: `credential report of account ${a.label}, line ${r.line} (user ${(r.values.user ?? '?').slice(0, 64)}): ${out.why}; the row was not counted` });
  }
  return { rows, failures };
}

function latest(...times: (string | null)[]): string | null {
  const known = times.filter((t): t is string => t !== null).sort();
  return known.at(-1) ?? null;
}

/**
 * Decisions:
 * - `enabled`: IAM users have no on/off switch; a user with no console password, no active access
 *   key and no active signing certificate cannot authenticate, so it counts as disabled. The root
 *   user is always enabled (its password cannot be seen: `not_supported`).
 * - `vendorType`: `root` for `<root_account>`; `service` for a user without a console password that
 *   holds access keys (programmatic only; `serviceReason` says so); everyone else `member`.
 * - `signIn`: the console password's last use is the interactive sign-in; the access keys' last use
 *   is the non-interactive one; `lastSuccessfulAt` is the later of all. `no_information` (never, or
 *   not since 2014-10-20) and `N/A` (no password) both give `null`: for any look-back window a rule
 *   can use, "no use recorded since 2014" is "no use", and `passwordLastUsed` keeps the raw value.
 */
export function mapAccount(r: ReportRow, a: ReportAccount, extras: UserExtras | undefined): Account {
  const activeKeys = r.keys.filter((k) => k.active);
  const hasKeys = r.keys.some((k) => k.exists);
  const interactive = typeof r.passwordLastUsed === 'object' ? r.passwordLastUsed.at : null;
  const nonInteractive = latest(...r.keys.map((k) => k.lastUsedAt));
  const service = !r.isRoot && r.passwordEnabled === false && hasKeys;
  const enabled = r.isRoot || r.passwordEnabled === true || activeKeys.length > 0 || r.cert1Active === true || r.cert2Active === true;
  return {
    kind: 'account',
    key: r.arn,
    source: a.source,
    externalId: r.arn,
    username: r.user,
    email: extras?.email ?? null,
    displayName: r.isRoot ? `root user of AWS account ${a.label}` : r.user,
    enabled,
    vendorType: r.isRoot ? 'root' : service ? 'service' : 'member',
    createdAt: r.createdAt,
    signIn: { lastSuccessfulAt: latest(interactive, nonInteractive), lastInteractiveAt: interactive, lastNonInteractiveAt: nonInteractive },
    employeeId: null,
    hireDate: null,
    leaveDate: null,
    attributes: {
      awsAccountId: a.accountId,
      awsAccountName: a.accountName,
      arn: r.arn,
      iamUserId: extras?.userId ?? null,
      passwordEnabled: r.passwordEnabledRaw,
      passwordLastUsed: r.passwordLastUsedRaw,
      mfaActive: r.mfaActive,
      accessKey1Active: r.keys[0].active,
      accessKey2Active: r.keys[1].active,
      cert1Active: r.cert1Active,
      cert2Active: r.cert2Active,
      serviceReason: service ? `no console password; programmatic access only (${activeKeys.length} active access key${activeKeys.length === 1 ? '' : 's'})` : null,
      enabledReason: enabled ? null : 'no console password, no active access key and no active signing certificate: it cannot authenticate',
      credentialReportGeneratedAt: a.generatedAt,
    },
  };
}

/** `mfa_active` says whether a device is enabled, not which kind: methods stay empty and `methodsKnown: false`. */
export function mapMfa(r: ReportRow, a: ReportAccount): MfaStatus {
  return { kind: 'mfa', key: r.arn, source: a.source, accountKey: r.arn, registered: r.mfaActive, enforced: null, methods: [], strongMethods: [], methodsKnown: false };
}

/**
 * One record per key slot that holds a key. The report shows no key ids, so `keyId` is
 * `<user ARN>#<slot>`. An access key cannot be edited (rotating means creating a new key), so the
 * slot's `last_rotated` is the current key's creation time: it is both `createdAt` and
 * `lastRotatedAt`. A never-used key has `lastUsedAt: null`.
 */
export function mapAccessKeys(r: ReportRow, a: ReportAccount): AccessKey[] {
  return r.keys
    .filter((k) => k.exists)
    .map((k) => ({
      kind: 'access_key',
      key: `${r.arn}#${k.slot}`,
      source: a.source,
      accountKey: r.arn,
      keyId: `${r.arn}#${k.slot}`,
      active: k.active,
      createdAt: k.lastRotatedAt,
      lastRotatedAt: k.lastRotatedAt,
      lastUsedAt: k.lastUsedAt,
    }));
}
