/**
 * One credential report row, typed. The report's placeholders (AWS IAM User Guide, "Getting
 * credential reports"):
 * - `N/A`: not applicable. For `password_last_used`: the user has no password. For an access key's
 *   `last_used_date`: no such key, never used, or not used since IAM began tracking (2015-04-22).
 * - `no_information` (`password_last_used` only): the password was never used, or not since IAM
 *   began tracking sign-ins on 2014-10-20.
 * - `not_supported`: the root user's password fields.
 * Booleans are `true`/`false` (the guide writes TRUE/FALSE; both are accepted).
 */

export type ReportTime = { at: string } | 'N/A' | 'no_information' | 'not_supported';

export interface ReportKey {
  slot: 1 | 2;
  active: boolean;
  lastRotatedAt: string | null;
  lastUsedAt: string | null;
  /** The slot holds a key: active, or a rotation date is shown for it. */
  exists: boolean;
}

export interface ReportRow {
  line: number;
  user: string;
  arn: string;
  isRoot: boolean;
  createdAt: string | null;
  /** `null` for the root user (`not_supported`). */
  passwordEnabled: boolean | null;
  passwordEnabledRaw: string;
  passwordLastUsed: ReportTime;
  passwordLastUsedRaw: string;
  mfaActive: boolean;
  keys: [ReportKey, ReportKey];
  cert1Active: boolean | null;
  cert2Active: boolean | null;
}

const ROOT = '<root_account>';

export function parseRow(line: number, v: Record<string, string>): { row: ReportRow } | { why: string } {
  try {
    const user = need(v, 'user');
    const arn = need(v, 'arn');
    if (!/^arn:aws(-us-gov|-cn)?:iam::\d{12}:(root|user\/.+)$/.test(arn)) throw new Error(`arn "${arn.slice(0, 120)}" is not an IAM user or root ARN`);
    const isRoot = user === ROOT;
    const key = (slot: 1 | 2): ReportKey => {
      const active = bool(need(v, `access_key_${slot}_active`), `access_key_${slot}_active`)!;
      const rotated = time(need(v, `access_key_${slot}_last_rotated`), `access_key_${slot}_last_rotated`);
      const used = time(need(v, `access_key_${slot}_last_used_date`), `access_key_${slot}_last_used_date`);
      const lastRotatedAt = typeof rotated === 'object' ? rotated.at : null;
      return { slot, active, lastRotatedAt, lastUsedAt: typeof used === 'object' ? used.at : null, exists: active || lastRotatedAt !== null };
    };
    const passwordLastUsed = time(need(v, 'password_last_used'), 'password_last_used');
    const created = time(need(v, 'user_creation_time'), 'user_creation_time');
    return {
      row: {
        line,
        user,
        arn,
        isRoot,
        createdAt: typeof created === 'object' ? created.at : null,
        passwordEnabled: bool(need(v, 'password_enabled'), 'password_enabled'),
        passwordEnabledRaw: v.password_enabled!,
        passwordLastUsed,
        passwordLastUsedRaw: v.password_last_used!,
        mfaActive: bool(need(v, 'mfa_active'), 'mfa_active') ?? false,
        keys: [key(1), key(2)],
        cert1Active: v.cert_1_active === undefined ? null : bool(v.cert_1_active, 'cert_1_active'),
        cert2Active: v.cert_2_active === undefined ? null : bool(v.cert_2_active, 'cert_2_active'),
      },
    };
  } catch (e) {
    return { why: (e as Error).message };
  }
}

function need(v: Record<string, string>, column: string): string {
  const value = v[column];
  if (value === undefined || value === '') throw new Error(`column ${column} is empty`);
  return value;
}

function bool(value: string, column: string): boolean | null {
  const s = value.toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'not_supported') return null;
  throw new Error(`${column} is "${value.slice(0, 40)}", not true/false`);
}

function time(value: string, column: string): ReportTime {
  if (value === 'N/A' || value === 'no_information' || value === 'not_supported') return value;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(ms)) throw new Error(`${column} is "${value.slice(0, 40)}", not a time or N/A/no_information/not_supported`);
  return { at: new Date(ms).toISOString() };
}
