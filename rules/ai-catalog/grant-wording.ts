import type { AppGrant } from '../../src/core/model.ts';
import { byLevel, scopeReach, severityOf } from './scope-reach.ts';
import type { ReachLevel, ScopeReach } from './scope-reach.ts';

/**
 * How shadow-ai words an app's grants: which scopes, granted how (one user, admin consent for
 * everyone, app-only), to whom, and how severe that is. Pure; names of users come from the caller.
 */

export interface GrantSummary {
  /** `Mail.Read, Files.Read.All (+2 sign-in scopes) by 3 users (…) and …`. */
  phrase: string;
  /** Distinct scopes over all grants, high-reach first. */
  scopes: ScopeReach[];
  /** Any admin consent (`all_principals`) or app-only grant: one consent reaching every user's data. */
  tenantWide: boolean;
  severity: ReachLevel;
  /** Distinct consenting users, sorted. */
  users: string[];
}

/** `principalKey` → something a person recognises (a UPN); the caller looks accounts up. */
export type UserName = (grant: AppGrant) => string;

export function summariseGrants(grants: readonly AppGrant[], userName: UserName): GrantSummary {
  const admin = grants.filter((g) => g.consentType === 'all_principals');
  const appOnly = grants.filter((g) => g.consentType === 'application' || g.grantType === 'application');
  const perUser = grants.filter((g) => !admin.includes(g) && !appOnly.includes(g));
  const users = [...new Set(perUser.map(userName))].sort();
  const parts: string[] = [];
  if (admin.length > 0) parts.push(`${scopeText(scopesOf(admin))} by admin consent for every user (tenant-wide, worse than one user's consent)`);
  if (appOnly.length > 0) parts.push(`app-only permissions ${scopeText(scopesOf(appOnly))} (no signed-in user needed: reaches every user's data, worse than one user's consent)`);
  if (perUser.length > 0) parts.push(`${scopeText(scopesOf(perUser))} by ${users.length === 1 ? '1 user' : `${users.length} users`} (${listSome(users, 3)})`);
  const scopes = scopesOf(grants);
  const tenantWide = admin.length > 0 || appOnly.length > 0;
  return { phrase: parts.join(' and '), scopes, tenantWide, severity: severityOf(scopes, tenantWide), users };
}

/** High and medium scopes by name, sign-in scopes counted: `Mail.Read, Files.Read.All (+2 sign-in scopes)`. */
export function scopeText(scopes: readonly ScopeReach[]): string {
  const shown = scopes.filter((s) => s.level !== 'low');
  const low = scopes.filter((s) => s.level === 'low');
  if (shown.length === 0) return low.length === 0 ? 'no scopes' : `sign-in scopes only (${low.map((s) => s.short).join(', ')})`;
  const names = listSome(shown.map((s) => s.short), 6);
  return low.length === 0 ? names : `${names} (+${low.length} sign-in scope${low.length === 1 ? '' : 's'})`;
}


/** `severity high: reaches mail, files` / `severity high: reaches calendar (medium), raised for tenant-wide consent`. */
export function severityText(summary: GrantSummary): string {
  const reached = [...new Set(summary.scopes.filter((s) => s.level !== 'low').map((s) => (s.reach === 'other' ? 'other data' : s.reach)))];
  const what = reached.length > 0 ? `reaches ${reached.join(', ')}` : 'sign-in only';
  const base = byLevel(summary.scopes)[0]?.level ?? 'low';
  const raised = base !== summary.severity ? ` (${base} on its own, raised for tenant-wide consent)` : '';
  return `severity ${summary.severity}: ${what}${raised}`;
}

function scopesOf(grants: readonly AppGrant[]): ScopeReach[] {
  const seen = new Set<string>();
  const out: ScopeReach[] = [];
  for (const g of grants) for (const s of g.scopes) if (!seen.has(s)) (seen.add(s), out.push(scopeReach(s)));
  return byLevel(out);
}

/** `a, b, c and 4 more`. */
export function listSome(items: readonly string[], max: number): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
