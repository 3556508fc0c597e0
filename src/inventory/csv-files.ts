import { csvText, listCell } from '../report/csv-text.ts';
import type { CsvCell } from '../report/csv-text.ts';
import { INVENTORY_KINDS } from './inventory-schema.ts';
import type { InventoryKind, RunInventories } from './inventory-schema.ts';

/** One CSV file of an export: `name` like `privileged-access.csv`, `content` RFC 4180 text (UTF-8, CRLF). */
export interface InventoryFile {
  name: string;
  content: string;
}

/**
 * The inventories as CSV files for the export. Every row starts with the system (connector
 * instance) and the entity key, so it points back at the stored evidence. `inventory-status.csv`
 * says, per inventory, whether it is complete and why not: a CSV cannot carry that itself, and an
 * incomplete list must never pass for a complete one.
 */
export function inventoryCsvFiles(inv: RunInventories): InventoryFile[] {
  return [
    file(CSV_FILE_OF.accounts, ACCOUNTS, inv.accounts.rows, (r) => [
      r.instance, r.key, r.connector, r.username, r.displayName, r.personId, r.personName, r.matched, r.link,
      r.enabled, r.accountClass, r.classWhy, r.lastSignIn, r.signInKnown, r.mfa,
    ]),
    file(CSV_FILE_OF['privileged-access'], PRIVILEGED, inv['privileged-access'].rows, (r) => [
      r.instance, r.key, r.roleName, r.roleId, r.assignment, r.scope, r.privilegeReason, r.principalType, r.principal, r.accountKey,
      r.accountClass, r.enabled, r.personId, r.personName, r.mfa, listCell(r.mfaMethods), r.since, r.sinceSource,
    ]),
    file(CSV_FILE_OF.apps, APPS, inv.apps.rows, (r) => [
      r.instance, r.key, r.appKey, r.appName, r.publisher, r.firstParty, r.aiCatalogId, r.approved, r.owner, r.grantType, r.consentType,
      r.grantedBy, listCell(r.scopes), listCell(r.reach), r.severity, r.appUsers, r.createdAt,
    ]),
    file(CSV_FILE_OF.leavers, LEAVERS, inv.leavers.rows, (r) => [
      r.instance, r.key, r.personId, r.personName, r.leftAt, r.leaveSource, r.username, r.enabled, listCell(r.access), listCell(r.unknown),
      r.activeKeys, r.grants, r.hoursSinceLeaving, r.removal, r.hoursToRemoval,
    ]),
    file(CSV_FILE_OF['review-population'], REVIEW, inv['review-population'].rows, (r) => [
      r.instance, r.key, r.username, r.displayName, r.accountClass, r.privileged, listCell(r.roles), r.personId, r.lastSignIn, r.signInKnown, r.createdAt,
    ]),
    {
      name: 'inventory-status.csv',
      content: csvText(
        ['inventory', 'org', 'run_id', 'as_of', 'rows', 'complete', 'reasons'],
        INVENTORY_KINDS.map((k) => [k, inv.org, inv.runId, inv.asOf, inv[k].rows.length, inv[k].availability.complete, listCell(inv[k].availability.reasons)]),
      ),
    },
  ];
}

/** The export's file name of each inventory (the app inventory is one row per grant). */
export const CSV_FILE_OF: Record<InventoryKind, string> = {
  accounts: 'accounts.csv',
  'privileged-access': 'privileged-access.csv',
  apps: 'app-grants.csv',
  leavers: 'leavers.csv',
  'review-population': 'review-population.csv',
};

function file<T>(name: string, header: readonly string[], rows: readonly T[], cells: (row: T) => CsvCell[]): InventoryFile {
  return { name, content: csvText(header, rows.map(cells)) };
}

const ACCOUNTS = ['system', 'key', 'connector', 'username', 'display_name', 'person_id', 'person_name', 'matched', 'link_why', 'enabled', 'account_class', 'class_why', 'last_sign_in', 'sign_in_known', 'mfa'];
const PRIVILEGED = ['system', 'key', 'role', 'role_id', 'assignment', 'scope', 'privilege_reason', 'principal_type', 'principal', 'account_key', 'account_class', 'enabled', 'person_id', 'person_name', 'mfa', 'mfa_methods', 'since', 'since_source'];
const APPS = ['system', 'key', 'app_key', 'app', 'publisher', 'first_party', 'ai_catalog_id', 'approved', 'owner', 'grant_type', 'consent_type', 'granted_by', 'scopes', 'reach', 'severity', 'app_users', 'created_at'];
const LEAVERS = ['system', 'key', 'person_id', 'person', 'left_at', 'leave_date_source', 'account', 'enabled', 'access_remaining', 'not_checked', 'active_keys', 'grants', 'hours_since_leaving', 'removal', 'hours_to_removal'];
const REVIEW = ['system', 'key', 'username', 'display_name', 'account_class', 'privileged', 'privileged_roles', 'person_id', 'last_sign_in', 'sign_in_known', 'created_at'];
