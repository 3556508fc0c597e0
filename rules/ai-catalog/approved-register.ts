import type { ApprovedAppConfig } from '../../src/core/config.ts';
import { ageInDays } from '../age-in-days.ts';
import type { AiCatalog } from './catalog-schema.ts';
import type { AiAppMatcher } from './match-app.ts';

/**
 * The organisation's approved-apps register (`organisations[].approvedApps`) as shadow-ai reads
 * it. An item names an app by catalog id, catalog name or display name (case-insensitive); a display
 * name is also run through the catalog's name rules, so "ChatGPT Enterprise" approves `chatgpt`.
 * When two items name the same app the first one counts.
 */

export interface RegisterItem {
  /** Position in `approvedApps`, for "approvedApps[2]" in messages. */
  index: number;
  item: ApprovedAppConfig;
  /** The catalog entry it names, or null for an app outside the catalog (approved by display name). */
  catalogId: string | null;
}

export interface ApprovedRegister {
  readonly items: readonly RegisterItem[];
  forCatalogId(id: string): RegisterItem | undefined;
  /** An item naming an app outside the catalog by this display name. */
  forDisplayName(name: string): RegisterItem | undefined;
}

export function readApprovedRegister(items: readonly ApprovedAppConfig[], catalog: AiCatalog, matcher: AiAppMatcher): ApprovedRegister {
  const resolved = items.map((item, index): RegisterItem => ({ index, item, catalogId: resolve(item.app, catalog, matcher) }));
  const byId = new Map<string, RegisterItem>();
  const byName = new Map<string, RegisterItem>();
  for (const r of resolved) {
    if (r.catalogId !== null) {
      if (!byId.has(r.catalogId)) byId.set(r.catalogId, r);
    } else {
      const key = r.item.app.trim().toLowerCase();
      if (!byName.has(key)) byName.set(key, r);
    }
  }
  return {
    items: resolved,
    forCatalogId: (id) => byId.get(id),
    forDisplayName: (name) => byName.get(name.trim().toLowerCase()),
  };
}

function resolve(app: string, catalog: AiCatalog, matcher: AiAppMatcher): string | null {
  const key = app.trim().toLowerCase();
  const named = catalog.find((e) => e.id === key || e.name.toLowerCase() === key);
  if (named) return named.id;
  return matcher.match({ displayName: app })?.entry.id ?? null;
}

/**
 * What is wrong with one approval: no named owner (the share of AI apps with an owner is a
 * controls.md metric), or a review date before the run's day. The review date is the day the
 * review is due: on that day it is not yet overdue.
 */
export function approvalFaults(r: RegisterItem, asOf: Date): string[] {
  const faults: string[] = [];
  if (r.item.owner === undefined || r.item.owner.trim() === '') faults.push(`approved without a named owner (add \`owner\` to approvedApps[${r.index}])`);
  const today = asOf.toISOString().slice(0, 10);
  if (r.item.reviewDate < today) {
    const days = ageInDays(asOf, `${r.item.reviewDate}T00:00:00Z`) ?? 0;
    faults.push(`review overdue since ${r.item.reviewDate} (${days} day${days === 1 ? '' : 's'}; approved by ${r.item.approvedBy})`);
  }
  return faults;
}
