import { z } from 'zod';
import { approvedAppConfig } from '../src/core/config.ts';
import type { AppGrant } from '../src/core/model.ts';
import type { ResultBreakdown, ResultSubject, Rule, RuleVerdict } from '../src/core/rule.ts';
import type { SnapshotView } from '../src/evaluate/snapshot-view.ts';
import { inventoryGrants } from './ai-catalog/app-inventory.ts';
import { compareCodeUnits as cmp } from '../src/core/code-unit-order.ts';
import type { AppUse } from './ai-catalog/app-inventory.ts';
import { approvalFaults, readApprovedRegister } from './ai-catalog/approved-register.ts';
import type { RegisterItem } from './ai-catalog/approved-register.ts';
import { aiCatalogList, catalogProblems, mergeAiCatalogs } from './ai-catalog/catalog-list.ts';
import type { AiAppEntry } from './ai-catalog/catalog-schema.ts';
import { DEFAULT_AI_CATALOG } from './ai-catalog/default-catalog.ts';
import { listSome, severityText, summariseGrants } from './ai-catalog/grant-wording.ts';
import type { ReachLevel } from './ai-catalog/scope-reach.ts';
import { createAiAppMatcher } from './ai-catalog/match-app.ts';
import type { AiAppMatchResult } from './ai-catalog/match-app.ts';
import { join, plural } from './measure.ts';

export const shadowAiParams = z
  .object({
    /**
     * The AI app catalog. @default the built-in `config/ai-apps.yaml`, read once outside the rule
     * (ai-catalog/default-catalog.ts). Carried in params so results record which catalog judged them.
     */
    catalog: aiCatalogList.default(() => [...DEFAULT_AI_CATALOG]),
    /** Entries merged over `catalog` by id (same id replaces, new id appends): add an app in config, without code. @default [] */
    extraApps: aiCatalogList.default([]),
    /**
     * The organisation's approved-apps register. Lives in `organisations[].approvedApps`; the
     * evaluate step copies it here (rules see only their params). @default []
     */
    approvedApps: z.array(approvedAppConfig).default([]),
    /** `exclude`: the platform's own AI apps (Microsoft 365 Copilot, owned by a Microsoft tenant) are not shadow AI; `judge`: they need approval too. @default 'exclude' */
    firstPartyAi: z.enum(['exclude', 'judge']).default('exclude'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.extraApps.length === 0) return;
    for (const problem of catalogProblems(mergeAiCatalogs(p.catalog, p.extraApps))) {
      ctx.addIssue({ code: 'custom', path: ['extraApps'], message: `merged over the catalog, entry ${problem.path.join('.')}: ${problem.message}` });
    }
  }, { when: (payload) => payload.issues.length === 0 });
export type ShadowAiParams = z.infer<typeof shadowAiParams>;

/** The `instance` of approved-apps register findings and the scope of their breakdown row (they come from config, not a connector). */
export const REGISTER_SCOPE = 'approved-apps';

/**
 * No AI app holds a grant without approval, and every approved AI app has an owner and a current review.
 *
 * Decisions:
 * - Subjects are AI apps by catalog id (`ai-app:<id>`), one per connector instance, so ChatGPT
 *   granted in Microsoft 365 and Google Workspace is one app (counted once in `measured`) seen twice.
 * - Approved means named in the register by catalog id, catalog name or a display name the catalog
 *   recognises (approved-register.ts). An approval covers every instance of the organisation.
 * - Severity (the subject's `severity`: high, medium, low) follows the scopes' reach
 *   (scope-reach.ts: mail, files, chats and calendars are high), raised one step for admin consent
 *   or app-only grants, which reach every user's data with one consent. Register faults: medium
 *   without an owner, low for an overdue review.
 * - First-party AI (the app's owner tenant is the platform's, as the connector reports it) is
 *   excluded and listed, unless `firstPartyAi: judge`. A look-alike name alone never counts as
 *   first-party. Other first-party apps are counted only: they are the platform itself.
 * - Third-party apps outside the catalog are inventoried as `excluded` subjects, "unreviewed"
 *   (issue 4: not ignored), unless the register approves them by display name. Apps registered in
 *   the org's own tenant look the same in the model, so the why says "third-party or in-house".
 * - Grants whose app cannot be named because the instance's app stream was not read are a
 *   `not_evaluable` subject; the result is `not_evaluable` unless something already fails.
 * - `measured` counts unapproved AI apps holding grants (threshold 0). Register faults (no owner,
 *   review overdue) also fail the result and are counted in the register breakdown row.
 */
export const shadowAi: Rule<ShadowAiParams> = {
  id: 'shadow-ai',
  title: 'No unapproved AI apps with access to company data',
  description:
    'Every AI app (from the AI app catalog) holding an OAuth grant or token is in the approved-apps register; every approved AI app has a named owner and a review date not yet passed. Third-party apps outside the catalog are listed as unreviewed.',
  controls: ['ISO27001:2022/A.5.19', 'ISO27001:2022/A.5.23', 'ISO27001:2022/A.5.10', 'ISO27001:2022/A.8.12', 'SOC2/CC9.2', 'CISv8/2.3'],
  // App records name Entra grants' apps; they are read when the instance collects them (see app-inventory.ts),
  // not required, because Google Workspace has no app stream: its tokens name their apps themselves.
  requires: [{ entity: 'app_grant', fields: ['appKey', 'consentType', 'scopes', 'principalKey'] }],
  paramsSchema: shadowAiParams,
  // `measured` counts distinct unapproved apps, not failing subjects (one per instance, plus register
  // faults): an exception re-derives the status from the fail subjects left and keeps `measured`,
  // since an excepted app is accepted, not approved, and still counts in the quarterly metric.
  exceptionEffect: 'subjects',
  evaluate(view, params) {
    const catalog = mergeAiCatalogs(params.catalog, params.extraApps);
    const matcher = createAiAppMatcher(catalog);
    const register = readApprovedRegister(params.approvedApps, catalog, matcher);
    const inventory = inventoryGrants(view);
    const userName = (g: AppGrant) => nameOfUser(view, g);

    const tallies = new Map<string, Tally>();
    const tally = (instance: string): Tally => {
      let t = tallies.get(instance);
      if (!t) tallies.set(instance, (t = newTally(instance)));
      return t;
    };
    for (const o of view.outcomes) if (o.entity === 'app_grant') tally(o.instance);

    const subjects: ResultSubject[] = [];
    const ai = new Map<string, AiUse>();
    for (const use of inventory.uses) {
      const t = tally(use.instance);
      const hit = matcher.match({ app: use.app, grant: use.grants[0] });
      if (use.app?.firstParty === true && (hit === null || params.firstPartyAi === 'exclude')) {
        if (hit === null) t.firstPartyOther += 1;
        else {
          t.firstPartyAi.add(hit.entry.id);
          subjects.push({ ref: aiRef(hit.entry), label: labelOf(hit.entry), instance: use.instance, status: 'excluded', why: firstPartyWhy(use, hit, userName) });
        }
      } else if (hit === null) {
        if (register.forDisplayName(use.label)) t.approvedOther += 1;
        else {
          t.unreviewed += 1;
          // Unreviewed is not a failure, but how far the app reaches says which to review first.
          subjects.push({ ref: use.ref, label: use.label, instance: use.instance, status: 'excluded', ...unreviewedWhy(use, userName) });
        }
      } else {
        const id = `${use.instance}\u0000${hit.entry.id}`;
        const entry = ai.get(id) ?? { entry: hit.entry, instance: use.instance, uses: [], hits: [] };
        entry.uses.push(use);
        entry.hits.push(hit);
        ai.set(id, entry);
      }
    }

    const usedApprovals = new Set<number>();
    for (const use of ai.values()) {
      const t = tally(use.instance);
      const approval = register.forCatalogId(use.entry.id) ?? use.uses.map((u) => register.forDisplayName(u.label)).find((r) => r !== undefined);
      if (approval) {
        usedApprovals.add(approval.index);
        t.approved.add(use.entry.id);
      } else {
        t.unapproved.add(use.entry.id);
        const { why, severity } = unapprovedWhy(use, userName);
        subjects.push({ ref: aiRef(use.entry), label: labelOf(use.entry), instance: use.instance, status: 'fail', why, severity });
      }
    }

    for (const u of inventory.unresolved) {
      tally(u.instance).unresolved += u.grants;
      subjects.push({ ref: 'unnamed-apps', label: `${plural(u.grants, 'grant')} to apps that could not be named`, instance: u.instance, status: 'not_evaluable', why: `cannot tell whether these are AI apps: ${u.reason}` });
    }

    const reg = judgeRegister(register.items.filter((r) => r.catalogId !== null || usedApprovals.has(r.index)), catalog, view.asOf);
    subjects.push(...reg.subjects);

    const all = [...tallies.values()].sort((a, b) => cmp(a.instance, b.instance));
    const overall = mergeTallies(all);
    const names = (ids: ReadonlySet<string>) => [...ids].map((id) => catalog.find((e) => e.id === id)?.name ?? id).sort(cmp);
    const status: RuleVerdict['status'] = subjects.some((s) => s.status === 'fail') ? 'fail' : overall.unresolved > 0 ? 'not_evaluable' : 'pass';
    const breakdown: ResultBreakdown[] = [overall, ...all].map((t) => ({ scope: t.instance, status: decide(t), measured: measuredOf(t), summary: describe(t, names) }));
    if (reg.checked > 0) breakdown.push({ scope: REGISTER_SCOPE, status: reg.faulty > 0 ? 'fail' : 'pass', measured: reg.faulty, summary: reg.summary });
    return {
      status,
      summary: join(describe(overall, names), reg.faulty > 0 ? `approved-apps register: ${reg.summary}` : ''),
      measured: status === 'not_evaluable' ? null : overall.unapproved.size,
      threshold: 0,
      unit: 'count',
      reasons: status === 'not_evaluable' ? inventory.unresolved.map((u) => `${plural(u.grants, 'grant')} in ${u.instance} not checked: ${u.reason}`) : [],
      breakdown,
      subjects: subjects.sort(compareSubjects),
    };
  },
};

interface AiUse {
  entry: AiAppEntry;
  instance: string;
  uses: AppUse[];
  hits: AiAppMatchResult[];
}

function unapprovedWhy(use: AiUse, userName: (g: AppGrant) => string): { why: string; severity: ReachLevel } {
  const grants = use.uses.flatMap((u) => u.grants);
  const summary = summariseGrants(grants, userName);
  const e = use.entry;
  const typical = summary.scopes.every((s) => s.level === 'low') && e.reach.length > 0 ? `${e.name} typically asks for ${e.reach.join(', ')}` : '';
  const lookAlike =
    e.firstPartyOf === 'microsoft'
      ? `named like Microsoft's own ${e.name}, but Entra does not show a Microsoft owner tenant, so it is judged as a third-party app`
      : e.firstPartyOf === 'google'
        ? `Google tokens do not say who owns a client, so this cannot be confirmed as Google's own ${e.name}; approve it in approvedApps if it is`
        : '';
  const disabled = use.uses.every((u) => u.app?.enabled === false) ? `the app is disabled in ${use.instance}, so the grants cannot be used until it is re-enabled; remove them` : '';
  const details = [...new Set(use.hits.map((h) => h.detail))];
  const seenAs = [...new Set(use.uses.map((u) => u.label))].filter((l) => l.toLowerCase() !== e.name.toLowerCase() && !details.some((d) => d.includes(`"${l}"`)));
  const recognised = `recognised because ${listSome(details, 2)}${seenAs.length > 0 ? ` (seen as ${seenAs.map((l) => `"${l}"`).join(', ')})` : ''}`;
  const head = `${labelOf(e)} was granted ${summary.phrase} without approval`;
  return { why: join(head, severityText(summary), typical, lookAlike, disabled, recognised), severity: summary.severity };
}

function firstPartyWhy(use: AppUse, hit: AiAppMatchResult, userName: (g: AppGrant) => string): string {
  const owner = use.app?.ownerTenantId ?? 'unknown';
  const platform = use.grants[0]?.source.connector === 'm365' ? 'Microsoft ' : '';
  const summary = summariseGrants(use.grants, userName);
  return `first-party ${platform}app (owner tenant ${owner}): ${hit.entry.name} is not shadow AI under the default policy (firstPartyAi: exclude); granted ${summary.phrase}`;
}

function unreviewedWhy(use: AppUse, userName: (g: AppGrant) => string): { why: string; severity: ReachLevel } {
  const summary = summariseGrants(use.grants, userName);
  const what =
    use.namedBy === 'missing'
      ? `no app record for ${use.ref} in ${use.instance} (deleted or hidden service principal)`
      : use.label.startsWith('OAuth client ')
        ? 'unregistered OAuth client (Google shows no name)'
        : // The app model cannot tell an app registered in the org's own tenant from a vendor's.
          'third-party or in-house app';
  return { why: join(`${what}, not in the AI catalog: unreviewed`, `granted ${summary.phrase}`, severityText(summary)), severity: summary.severity };
}

function judgeRegister(items: readonly RegisterItem[], catalog: readonly AiAppEntry[], asOf: Date) {
  const subjects: ResultSubject[] = [];
  let noOwner = 0;
  let overdue = 0;
  for (const r of items) {
    const faults = approvalFaults(r, asOf);
    if (faults.length === 0) continue;
    const entry = r.catalogId === null ? undefined : catalog.find((e) => e.id === r.catalogId);
    if (faults.some((f) => f.startsWith('approved without'))) noOwner += 1;
    if (faults.some((f) => f.startsWith('review overdue'))) overdue += 1;
    // Governance gaps on an app already approved: medium without an owner (nobody answers for it), low for a late review.
    const severity: ReachLevel = faults.some((f) => f.startsWith('approved without')) ? 'medium' : 'low';
    subjects.push({
      ref: entry ? aiRef(entry) : `approved-app:${r.item.app}`,
      label: entry ? labelOf(entry) : r.item.app,
      instance: REGISTER_SCOPE,
      status: 'fail',
      why: faults.join('; '),
      severity,
    });
  }
  const faulty = subjects.length;
  const summary = join(
    `${plural(items.length, 'approved AI app')} checked`,
    noOwner > 0 ? `${noOwner} without a named owner` : '',
    overdue > 0 ? `${plural(overdue, 'review')} overdue` : '',
    faulty === 0 ? 'all have an owner and a current review' : '',
  );
  return { subjects, checked: items.length, faulty, summary };
}

function nameOfUser(view: SnapshotView, g: AppGrant): string {
  if (g.principalKey === null) return 'the whole tenant';
  const account = view.find('account', g.source.instance, g.principalKey);
  return account ? (account.email ?? account.username) : g.principalKey;
}

function aiRef(entry: AiAppEntry): string {
  return `ai-app:${entry.id}`;
}

/** `ChatGPT (OpenAI)`; just `Grammarly` when the vendor is the product's name. */
export function labelOf(entry: AiAppEntry): string {
  return entry.vendor.toLowerCase() === entry.name.toLowerCase() ? entry.name : `${entry.name} (${entry.vendor})`;
}

interface Tally {
  instance: string;
  unapproved: Set<string>;
  approved: Set<string>;
  firstPartyAi: Set<string>;
  firstPartyOther: number;
  unreviewed: number;
  approvedOther: number;
  unresolved: number;
}

function newTally(instance: string): Tally {
  return { instance, unapproved: new Set(), approved: new Set(), firstPartyAi: new Set(), firstPartyOther: 0, unreviewed: 0, approvedOther: 0, unresolved: 0 };
}

/** Apps are counted once overall however many instances hold grants to them. */
function mergeTallies(all: readonly Tally[]): Tally {
  const o = newTally('overall');
  for (const t of all) {
    for (const f of ['unapproved', 'approved', 'firstPartyAi'] as const) for (const id of t[f]) o[f].add(id);
    for (const f of ['firstPartyOther', 'unreviewed', 'approvedOther', 'unresolved'] as const) o[f] += t[f];
  }
  return o;
}

function decide(t: Tally): RuleVerdict['status'] {
  if (t.unapproved.size > 0) return 'fail';
  return t.unresolved > 0 ? 'not_evaluable' : 'pass';
}

function measuredOf(t: Tally): number | null {
  return decide(t) === 'not_evaluable' ? null : t.unapproved.size;
}

function describe(t: Tally, names: (ids: ReadonlySet<string>) => string[]): string {
  return join(
    t.unapproved.size > 0 ? `${plural(t.unapproved.size, 'unapproved AI app')} with grants (${listSome(names(t.unapproved), 5)})` : 'no unapproved AI app holds a grant',
    t.approved.size > 0 ? `${plural(t.approved.size, 'approved AI app')} in use (${listSome(names(t.approved), 5)})` : '',
    t.firstPartyAi.size > 0 ? `${plural(t.firstPartyAi.size, 'first-party AI app')} excluded (${listSome(names(t.firstPartyAi), 5)})` : '',
    t.unreviewed > 0 ? `${plural(t.unreviewed, 'third-party app')} outside the AI catalog listed as unreviewed` : '',
    t.approvedOther > 0 ? `${plural(t.approvedOther, 'approved third-party app')}` : '',
    t.firstPartyOther > 0 ? `${plural(t.firstPartyOther, 'first-party platform app')} not judged` : '',
    t.unresolved > 0 ? `${plural(t.unresolved, 'grant')} not checked (the app could not be named)` : '',
  );
}

const STATUS_ORDER: Record<ResultSubject['status'], number> = { fail: 0, excepted: 1, not_evaluable: 2, pending: 3, excluded: 4 };

function compareSubjects(a: ResultSubject, b: ResultSubject): number {
  return STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || cmp(a.label, b.label) || cmp(a.instance, b.instance) || cmp(a.ref, b.ref);
}
