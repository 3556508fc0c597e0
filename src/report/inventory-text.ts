import type { InventoryKind, RunInventories } from '../inventory/inventory-schema.ts';
import { textTable } from './text-table.ts';

/**
 * Inventories as a person reads them in a terminal: per inventory a heading that says whether it
 * is complete (and why not), then a table of the columns a reviewer looks at first. Every column
 * is in `--format json` and `--format csv`.
 */
export function renderInventories(inv: RunInventories, kinds: readonly InventoryKind[]): string {
  return kinds.map((k) => section(inv, k)).join('\n\n');
}

const TITLE: Record<InventoryKind, string> = {
  'privileged-access': 'Privileged access (A.8.2)',
  apps: 'Third-party and AI apps with grants (A.5.9, A.5.19)',
  accounts: 'Accounts per person (A.5.16)',
  'review-population': 'Access-review population: enabled accounts (A.5.18)',
  leavers: 'Leavers and their remaining access (A.6.5, A.5.18)',
};

function section(inv: RunInventories, kind: InventoryKind): string {
  const { availability, rows } = inv[kind];
  const state = availability.complete ? 'complete' : `INCOMPLETE: ${availability.reasons.join('; ')}`;
  const head = `${kind} — ${TITLE[kind]}: ${rows.length} row${rows.length === 1 ? '' : 's'} (${state})`;
  if (rows.length === 0) return head;
  return `${head}\n${table(inv, kind)}`;
}

const dash = (v: string | number | boolean | null | undefined): string => (v === null || v === undefined || v === '' ? '—' : String(v));
const day = (iso: string | null): string => (iso === null ? '—' : iso.slice(0, 10));

function table(inv: RunInventories, kind: InventoryKind): string {
  switch (kind) {
    case 'privileged-access':
      return textTable(
        ['System', 'Role', 'Assignment', 'Holder', 'Class', 'Person', 'MFA', 'Since'],
        inv[kind].rows.map((r) => [r.instance, r.roleName, r.assignment, r.principal, dash(r.accountClass ?? r.principalType), dash(r.personName), r.mfa, day(r.since)]),
        { maxWidth: [20, 34, 10, 40, 14, 24, 14, 10] },
      );
    case 'apps':
      return textTable(
        ['System', 'App', 'AI catalog', 'Approved', 'Owner', 'Granted by', 'Users', 'Reach', 'Severity'],
        inv[kind].rows.map((r) => [r.instance, r.appName, dash(r.aiCatalogId), r.approved ? 'yes' : 'no', dash(r.owner), r.grantedBy, r.appUsers === null ? 'all' : String(r.appUsers), dash(r.reach.join(', ')), r.severity]),
        { maxWidth: [20, 30, 16, 8, 20, 34, 5, 30, 8] },
      );
    case 'accounts':
      return textTable(
        ['Person', 'System', 'Account', 'Enabled', 'Class', 'Last sign-in', 'MFA', 'Link'],
        inv[kind].rows.map((r) => [dash(r.personName), r.instance, r.username, r.enabled ? 'yes' : 'no', r.accountClass, r.signInKnown ? day(r.lastSignIn) : 'not collected', r.mfa, r.link]),
        { maxWidth: [24, 20, 40, 7, 14, 13, 14, 70] },
      );
    case 'review-population':
      return textTable(
        ['System', 'Account', 'Class', 'Privileged', 'Last sign-in', 'Roles'],
        inv[kind].rows.map((r) => [r.instance, r.username, r.accountClass, r.privileged ? 'yes' : 'no', r.signInKnown ? day(r.lastSignIn) : 'not collected', dash(r.roles.join(', '))]),
        { maxWidth: [20, 40, 14, 10, 13, 60] },
      );
    case 'leavers':
      return textTable(
        ['Person', 'Left', 'System', 'Account', 'Hours since', 'Removal', 'Remaining access'],
        inv[kind].rows.map((r) => [r.personName, r.leftAt === null ? 'no date' : r.leftAt.slice(0, 16).replace('T', ' '), r.instance, dash(r.username), dash(r.hoursSinceLeaving), removal(r.removal, r.hoursToRemoval), dash([...r.access, ...r.unknown].join('; '))]),
        { maxWidth: [24, 16, 20, 40, 11, 24, 90] },
      );
  }
}

function removal(state: 'still_enabled' | 'removed' | 'unknown' | 'no_linked_account', hours: number | null): string {
  if (state === 'no_linked_account') return 'no linked account found';
  if (state === 'still_enabled') return hours === null ? 'still enabled' : `still enabled, ≥ ${hours} h`;
  if (state === 'removed') return hours === null ? 'removed' : `removed, ≤ ${hours} h`;
  return 'cannot tell';
}
