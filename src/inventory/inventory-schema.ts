import { z } from 'zod';
import { ACCOUNT_CLASSES } from '../evaluate/snapshot-view.ts';

/**
 * The inventories controls.md asks every run to store (evidence, not pass/fail): who holds
 * privileged access (A.8.2), which third-party and AI apps hold grants (A.5.9, A.5.19), which
 * accounts each person has across systems (A.5.16), and the access-review populations an auditor
 * samples from, with the leavers (A.5.18, A.6.5). Every row names its connector instance and the
 * entity key, so it points back at the stored evidence.
 *
 * These schemas are the edge between the builders and the store: stored inventories are parsed
 * with them when read back, so a row from an older or damaged store fails loudly instead of
 * printing as something it is not.
 */

export const INVENTORY_KINDS = ['privileged-access', 'apps', 'accounts', 'review-population', 'leavers'] as const;
export const inventoryKind = z.enum(INVENTORY_KINDS);
export type InventoryKind = z.infer<typeof inventoryKind>;

/**
 * Whether the inventory can be read as complete. `complete: false` means a stream it rests on is
 * missing, failed or partial: the rows are what was seen, and `reasons` say what may be missing
 * (fail closed: an incomplete list never looks complete).
 */
export const inventoryAvailability = z.object({
  complete: z.boolean(),
  reasons: z.array(z.string()),
});
export type InventoryAvailability = z.infer<typeof inventoryAvailability>;

const accountClass = z.enum(ACCOUNT_CLASSES);

/** MFA as the vendor reports it; `unknown` when no MFA record exists or the instance has no MFA stream. */
export const mfaState = z.enum(['registered', 'not_registered', 'unknown']);
export type MfaState = z.infer<typeof mfaState>;

const ref = {
  /** Connector instance the row comes from (`m365-main`). */
  instance: z.string(),
  /** Entity key within that instance, stable across runs. */
  key: z.string(),
};

export const privilegedAccessRow = z.object({
  ...ref,
  /** The role assignment's key. */
  roleName: z.string(),
  roleId: z.string(),
  privilegeReason: z.string(),
  assignment: z.enum(['active', 'eligible']),
  scope: z.string(),
  principalType: z.enum(['user', 'group', 'service_principal', 'unknown']),
  principalKey: z.string(),
  /** The account's username, or the principal name the assignment carries when no account was collected. */
  principal: z.string(),
  /** Collected account it resolves to (same instance), or null (a group, a service principal, an account not collected). */
  accountKey: z.string().nullable(),
  accountClass: accountClass.nullable(),
  enabled: z.boolean().nullable(),
  personId: z.string().nullable(),
  personName: z.string().nullable(),
  mfa: mfaState,
  mfaMethods: z.array(z.string()),
  /** When the assignment or the account started, as far as the evidence shows (the account's creation; vendors rarely give the assignment's own date); null when unknown. */
  since: z.string().nullable(),
  sinceSource: z.enum(['account_created', 'unknown']),
});
export type PrivilegedAccessRow = z.infer<typeof privilegedAccessRow>;

export const appGrantRow = z.object({
  ...ref,
  /** The grant's key; `key` of the app is `appKey`. */
  appKey: z.string(),
  appName: z.string(),
  publisher: z.string().nullable(),
  firstParty: z.boolean().nullable(),
  /** Catalog id when the AI catalog recognises the app, else null (an unreviewed third-party app). */
  aiCatalogId: z.string().nullable(),
  /** Approved in the organisation's approvedApps register (by catalog id or display name). */
  approved: z.boolean(),
  /** The register's owner for it, when approved with one. */
  owner: z.string().nullable(),
  grantType: z.enum(['delegated', 'application']),
  consentType: z.enum(['all_principals', 'principal', 'application']),
  /** Who granted: the consenting account's username, or `all users (admin consent)` / `the app itself (app-only)`. */
  grantedBy: z.string(),
  scopes: z.array(z.string()),
  /** What the scopes reach (mail, files, chat, calendar…), from scope-reach. */
  reach: z.array(z.string()),
  severity: z.enum(['high', 'medium', 'low']),
  /** Distinct users who granted this app in this instance (admin or app-only consent: null, it covers everyone). */
  appUsers: z.number().int().nonnegative().nullable(),
  createdAt: z.string().nullable(),
});
export type AppGrantRow = z.infer<typeof appGrantRow>;

export const accountRow = z.object({
  ...ref,
  username: z.string(),
  displayName: z.string(),
  connector: z.string(),
  personId: z.string().nullable(),
  personName: z.string().nullable(),
  /** Why the account is linked to the person, or why it is linked to no one. */
  link: z.string(),
  matched: z.boolean(),
  enabled: z.boolean(),
  accountClass,
  classWhy: z.string(),
  /** Last successful sign-in; null: never, or not collected (see `signInKnown`). */
  lastSignIn: z.string().nullable(),
  signInKnown: z.boolean(),
  mfa: mfaState,
});
export type AccountRow = z.infer<typeof accountRow>;

export const reviewPopulationRow = z.object({
  ...ref,
  username: z.string(),
  displayName: z.string(),
  accountClass,
  privileged: z.boolean(),
  /** Privileged roles held (active or eligible), by name. */
  roles: z.array(z.string()),
  personId: z.string().nullable(),
  lastSignIn: z.string().nullable(),
  signInKnown: z.boolean(),
  createdAt: z.string().nullable(),
});
export type ReviewPopulationRow = z.infer<typeof reviewPopulationRow>;

export const leaverRow = z.object({
  /** The account's instance and key; for a leaver with no account at all, the HR record's. */
  ...ref,
  personId: z.string(),
  personName: z.string(),
  leftAt: z.string().nullable(),
  leaveSource: z.string().nullable(),
  username: z.string().nullable(),
  enabled: z.boolean().nullable(),
  /** What still gives access (enabled account, active keys, grants), one phrase each; empty when none. */
  access: z.array(z.string()),
  /** Why remaining access cannot be ruled out (an unreadable key stream). */
  unknown: z.array(z.string()),
  activeKeys: z.number().int().nonnegative(),
  grants: z.number().int().nonnegative(),
  /** Whole hours from leaving to the run (negative: leaves in the future); null without a leave date. */
  hoursSinceLeaving: z.number().int().nullable(),
  /**
   * `still_enabled`: access remains at the run, so removal has taken at least `hoursSinceLeaving`;
   * `removed`: nothing remains, removed within `hoursSinceLeaving` at most (one run cannot tell
   * when: `evidentia metrics` measures it across runs); `unknown`: cannot be ruled out;
   * `no_linked_account`: no account in any system is linked to the person — either they never had
   * one or correlation failed (see the unmatched accounts), so nothing is claimed about removal.
   */
  removal: z.enum(['still_enabled', 'removed', 'unknown', 'no_linked_account']),
  /** Hours from leaving to removal as far as this run proves: at least (still enabled) or at most (removed); null when unknown. */
  hoursToRemoval: z.number().int().nullable(),
});
export type LeaverRow = z.infer<typeof leaverRow>;

function inventory<T extends z.ZodType>(row: T) {
  return z.object({ availability: inventoryAvailability, rows: z.array(row) });
}

export const privilegedAccessInventory = inventory(privilegedAccessRow);
export const appsInventory = inventory(appGrantRow);
export const accountsInventory = inventory(accountRow);
export const reviewPopulationInventory = inventory(reviewPopulationRow);
export const leaversInventory = inventory(leaverRow);

export const INVENTORY_SCHEMAS = {
  'privileged-access': privilegedAccessInventory,
  apps: appsInventory,
  accounts: accountsInventory,
  'review-population': reviewPopulationInventory,
  leavers: leaversInventory,
} as const;

export const runInventories = z.object({
  org: z.string(),
  runId: z.number().int().positive(),
  /** The run's collection time: ages and hours are measured from it. */
  asOf: z.string(),
  'privileged-access': privilegedAccessInventory,
  apps: appsInventory,
  accounts: accountsInventory,
  'review-population': reviewPopulationInventory,
  leavers: leaversInventory,
});
export type RunInventories = z.infer<typeof runInventories>;
export type InventoryOf<K extends InventoryKind> = RunInventories[K];
/** Some kinds of a run's inventories, with the run they belong to (EvidenceStore.loadInventoryKinds). */
export type InventoryParts<K extends InventoryKind> = Pick<RunInventories, 'org' | 'runId' | 'asOf' | K>;
