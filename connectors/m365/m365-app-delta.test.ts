import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account, App, AppGrant } from '../../src/core/model.ts';
import type { EvidenceStore } from '../../src/store/evidence-store.ts';
import { tempStore } from '../../test/support/memory-store.ts';
import { generateTenant, GRAPH_APP_ID, newServicePrincipal, type GraphDouble, type GraphUser, type SimulatedTenant } from '../../fixtures/m365/index.ts';
import { isExpiredLink } from './streams/delta-reader.ts';
import { closeDoubles, INSTANCE, ORG, startDouble, trackedRun } from './m365-test-harness.ts';

/**
 * Incremental collection of m365 apps, delegated grants and application permissions: service
 * principals and grants through Graph delta, application permissions re-read only for the apps
 * that delta or the directory audit log name. Every incremental run's entities equal a full read
 * of the changed tenant; anything that could hide a change (audit log refused, links expired)
 * makes the stream read in full and say why; a failed or interrupted stream keeps the old checkpoint.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = new Date('2026-11-20T09:00:00Z');
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const STREAMS = ['users', 'service-principals', 'delegated-grants', 'app-role-assignments'] as const;

let store: EvidenceStore;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  const t = await tempStore({ prefix: 'evidentia-app-delta-', preferTmpfs: true });
  store = t.store;
  cleanup = t.cleanup;
});
afterEach(async () => {
  await closeDoubles();
  await cleanup();
});

async function run(d: GraphDouble, mode: 'full' | 'incremental' | undefined, now: Date, signal = new AbortController().signal) {
  const r = await trackedRun(store, d, { streams: STREAMS, mode, now, signal });
  return {
    run: r.run,
    outcome: (stream: (typeof STREAMS)[number]) => r.outcome(stream),
    apps: (await r.entities('service-principals')) as App[],
    grants: (await r.entities('delegated-grants')) as AppGrant[],
    assignments: (await r.entities('app-role-assignments')) as AppGrant[],
    accounts: (await r.entities('users')) as Account[],
    calls: r.calls,
  };
}
type Run = Awaited<ReturnType<typeof run>>;

const byKey = <E extends { key: string }>(list: E[]) => new Map(list.map((e) => [e.key, e]));
const withoutSignIn = (accounts: Account[]) => new Map(accounts.map((a) => [a.key, { ...a, signIn: null }]));

function expectSameState(inc: Run, full: Run): void {
  expect(byKey(inc.apps)).toEqual(byKey(full.apps));
  expect(byKey(inc.grants)).toEqual(byKey(full.grants));
  expect(byKey(inc.assignments)).toEqual(byKey(full.assignments));
  expect(withoutSignIn(inc.accounts)).toEqual(withoutSignIn(full.accounts));
}

const perAppReads = (r: Run) => r.calls.filter((c) => c.path.endsWith('/appRoleAssignments')).length;
const graphSpId = (t: SimulatedTenant) => t.servicePrincipals.find((sp) => sp.appId === GRAPH_APP_ID)!.id;
/** An app with no application permission yet (a third-party one, not Microsoft Graph itself). */
const plainApp = (d: GraphDouble, skip = 0) => d.apps.servicePrincipals.filter((sp) => sp.appId !== GRAPH_APP_ID && (d.apps.appRoleAssignments(sp.id) ?? []).length === 0)[skip]!;
const appWithPermission = (d: GraphDouble) => d.apps.servicePrincipals.find((sp) => (d.apps.appRoleAssignments(sp.id) ?? []).length > 0)!;

describe('m365 apps, grants and application permissions, incremental', () => {
  it('applies app, grant and permission changes with a fraction of the calls, and equals a full read of the changed tenant', async () => {
    const tenant = generateTenant({ users: 300 });
    const d = await startDouble({ tenant });
    const first = await run(d, 'full', at(0));
    for (const s of STREAMS) expect(first.outcome(s).status, s).toBe('complete');
    expect(first.outcome('app-role-assignments').note).toMatch(/reads the directory audit log from now on/);

    // Between runs, with audit events at the times an admin made them.
    const doomed = d.apps.oauth2PermissionGrants.find((g) => g.consentType === 'AllPrincipals')!.clientId;
    d.apps.removeServicePrincipal(doomed, at(0.5));
    const holder = appWithPermission(d);
    const granted = plainApp(d);
    d.apps.addAppRoleAssignment(granted.id, 'Mail.Read', at(1)); // a navigation property: not in servicePrincipals/delta
    d.apps.removeAppRoleAssignment(holder.id, d.apps.appRoleAssignments(holder.id)![0]!.id, at(1.5));
    const fresh = newServicePrincipal(1, granted);
    d.apps.addServicePrincipal(fresh, at(2));
    d.apps.addAppRoleAssignment(fresh.id, 'Files.Read.All', at(2));
    d.apps.updateServicePrincipal(plainApp(d, 1).id, { displayName: 'Renamed App', accountEnabled: false }, at(2));
    d.apps.addDelegatedGrant(plainApp(d, 2).id, 'User.Read Mail.Read', at(2.5));
    d.apps.removeDelegatedGrant(d.apps.oauth2PermissionGrants.find((g) => g.consentType === 'Principal')!.id, at(2.5));
    // Written late by Entra: it happened 10 minutes before the first run but appears only now; the overlap finds it.
    const late = plainApp(d, 3);
    d.apps.addAppRoleAssignment(late.id, 'Sites.Read.All', at(-1 / 6));
    d.users.update(tenant.user(7).id, { accountEnabled: false });

    const inc = await run(d, 'incremental', at(4));
    for (const s of STREAMS) expect(inc.outcome(s).status, s).toBe('complete');
    expect(inc.outcome('service-principals').note).toMatch(/^Incremental: 1 added, 1 changed, 1 removed service principals applied to run 1's apps via Graph delta/);
    expect(inc.outcome('delegated-grants').note).toMatch(/^Incremental: 1 added, 0 changed, \d+ removed delegated grants applied to run 1's grants/);
    expect(inc.outcome('app-role-assignments').note).toMatch(/^Incremental: \d+ application permissions carried forward from run 1; \d+ apps re-read \(2 new or changed per Graph delta, \d+ more named in \d+ directory audit events since 2026-11-20T08:00:00.000Z\)/);
    const paths = inc.calls.map((c) => c.path);
    expect(paths).toContain('/v1.0/servicePrincipals/delta');
    expect(paths).toContain('/v1.0/oauth2PermissionGrants/delta');
    expect(paths).toContain('/v1.0/auditLogs/directoryAudits');
    expect(paths).not.toContain('/v1.0/servicePrincipals');
    expect(paths).not.toContain('/v1.0/oauth2PermissionGrants');
    const reread = new Set(inc.calls.filter((c) => c.path.endsWith('/appRoleAssignments')).map((c) => c.path.split('/')[3]));
    for (const id of [granted.id, holder.id, fresh.id, late.id]) expect(reread, id).toContain(id);
    expect(reread).not.toContain(doomed);

    const full = await run(d, undefined, at(5));
    expectSameState(inc, full);
    expect(inc.assignments.filter((a) => a.appKey === granted.id).map((a) => a.scopes)).toEqual([["Mail.Read"]]);
    expect(inc.assignments.some((a) => a.appKey === late.id && a.scopes.includes('Sites.Read.All'))).toBe(true);
    expect(inc.apps.some((a) => a.key === doomed)).toBe(false);
    // Far fewer calls: one list per collection plus the apps that changed, instead of one per app.
    expect(perAppReads(full)).toBe(d.apps.servicePrincipals.length);
    expect(inc.calls.length * 4).toBeLessThan(full.calls.length);

    const manifest = JSON.parse((await store.getManifest(inc.run.id))!) as { derivedFrom?: Array<{ stream: string; baseRunId: number }> };
    expect(manifest.derivedFrom?.map((x) => [x.stream, x.baseRunId]).sort()).toEqual(STREAMS.map((s) => [s, first.run.id]).sort());
    expect((await store.verify()).ok).toBe(true);

    // The tenant unchanged since (the audit window, from an hour before the last read, holds no event): four list calls (users, apps, grants, audit log), no app re-read.
    const quiet = await run(d, 'incremental', at(9));
    expect(perAppReads(quiet)).toBe(0);
    expect(quiet.calls).toHaveLength(4);
    expect(byKey(quiet.assignments)).toEqual(byKey(full.assignments));
  });

  it.each([
    ['permission', /403: .*AuditLog\.Read\.All/],
    ['licence', /403: /],
  ] as const)('the audit log refused (%s): every app is read, the note says why, and the added permission is there', async (refusal, why) => {
    const tenant = generateTenant({ users: 120 });
    const d = await startDouble({ tenant });
    await run(d, 'full', at(0));
    const granted = plainApp(d);
    d.apps.addAppRoleAssignment(granted.id, 'Mail.Send', at(1));
    d.setQuirks({ directoryAuditsRefused: refusal });
    const inc = await run(d, 'incremental', at(4));
    const ara = inc.outcome('app-role-assignments');
    expect(ara.status).toBe('complete');
    expect(ara.note).toMatch(/^Full read of every app's application permissions instead of incremental: the directory audit log could not be read completely/);
    expect(ara.note).toMatch(why);
    expect(perAppReads(inc)).toBe(d.apps.servicePrincipals.length);
    expect(inc.assignments.some((a) => a.appKey === granted.id && a.scopes.includes('Mail.Send'))).toBe(true);
    // The apps themselves still came through delta.
    expect(inc.outcome('service-principals').note).toMatch(/^Incremental:/);
  });

  it('drops the consents of a deleted app even when the grants delta does not report them (undocumented in Graph)', async () => {
    const tenant = generateTenant({ users: 120 });
    const d = await startDouble({ tenant });
    await run(d, 'full', at(0));
    const doomed = d.apps.oauth2PermissionGrants.find((g) => g.consentType === 'AllPrincipals')!.clientId;
    const consents = d.apps.oauth2PermissionGrants.filter((g) => g.clientId === doomed || g.resourceId === doomed).length;
    expect(consents).toBeGreaterThan(0);
    d.apps.removeServicePrincipal(doomed, at(1), { grantsInDelta: false });
    const inc = await run(d, 'incremental', at(2));
    expect(inc.outcome('delegated-grants').note).toMatch(new RegExp(`^Incremental: 0 added, 0 changed, ${consents} removed delegated grants .* ${consents} consent\\(s\\) of apps no longer in the directory dropped\\.$`));
    expect(inc.grants.some((g) => g.appKey === doomed)).toBe(false);
    expectSameState(inc, await run(d, undefined, at(3)));
  });

  it('an audit log cut short (a page that keeps failing) is no complete window: every app is read', async () => {
    const tenant = generateTenant({ users: 60 });
    const d = await startDouble({ tenant });
    await run(d, 'full', at(0));
    const apps = d.apps.servicePrincipals.filter((sp) => sp.appId !== GRAPH_APP_ID);
    for (let i = 0; i < 120; i++) d.apps.updateServicePrincipal(apps[i % apps.length]!.id, { notes: `note ${i}` }, at(1));
    d.apps.addAppRoleAssignment(plainApp(d).id, 'Mail.Read', at(1));
    d.setQuirks({ failPage: { pathPrefix: '/v1.0/auditLogs/directoryAudits', pageIndex: 1, kind: 'status500' } });
    const inc = await run(d, 'incremental', at(4));
    expect(inc.outcome('app-role-assignments').status).toBe('complete');
    expect(inc.outcome('app-role-assignments').note).toMatch(/instead of incremental: the directory audit log could not be read completely \(500/);
    expect(perAppReads(inc)).toBe(d.apps.servicePrincipals.length);
    d.setQuirks({ failPage: undefined });
    expectSameState(inc, await run(d, undefined, at(5)));
  });

  it('an expired service principal link (410) reads the apps and every app\'s permissions in full; an expired grants link (400) reads the grants in full', async () => {
    const tenant = generateTenant({ users: 120 });
    const d = await startDouble({ tenant });
    await run(d, 'full', at(0));
    d.apps.servicePrincipalChanges.expireTokens(410);
    const sp = await run(d, 'incremental', at(4));
    expect(sp.outcome('service-principals').note).toMatch(/Full read instead of incremental: Graph refused the stored delta link \(410 resyncRequired\)/);
    expect(sp.outcome('app-role-assignments').note).toMatch(/the service principals were read in full this run/);
    expect(perAppReads(sp)).toBe(d.apps.servicePrincipals.length);
    expect(sp.outcome('delegated-grants').note).toMatch(/^Incremental:/);

    d.apps.grantChanges.expireTokens(400);
    const grants = await run(d, 'incremental', at(8));
    expect(grants.outcome('delegated-grants').note).toMatch(/Full read instead of incremental: Graph refused the stored delta link \(400 syncStateNotFound\)/);
    expect(grants.calls.map((c) => c.path)).toContain('/v1.0/oauth2PermissionGrants');
    expect(grants.outcome('service-principals').note).toMatch(/^Incremental:/);
    expect(grants.outcome('app-role-assignments').note).toMatch(/^Incremental:/);
    const full = await run(d, undefined, at(9));
    expectSameState(grants, full);
  });

  it('permissions last read more than 7 days ago (audit retention) are read in full', async () => {
    const tenant = generateTenant({ users: 60 });
    const d = await startDouble({ tenant });
    await run(d, 'full', at(0));
    const late = await run(d, 'incremental', new Date(T0.getTime() + 6 * DAY + 22 * HOUR));
    expect(late.outcome('app-role-assignments').note).toMatch(/^Incremental:/);
    const old = await run(d, 'incremental', new Date(T0.getTime() + 14 * DAY));
    expect(old.outcome('app-role-assignments').note).toMatch(/more than 7 days ago, beyond the directory audit log's retention/);
  });

  it('a failed or interrupted permissions read leaves the stored checkpoint, so the next run still finds the change', async () => {
    const tenant = generateTenant({ users: 60 });
    const d = await startDouble({ tenant });
    const first = await run(d, 'full', at(0));
    const before = await store.latestCheckpoint(ORG, INSTANCE, 'app-role-assignments');
    expect(before?.runId).toBe(first.run.id);
    const granted = plainApp(d);
    d.apps.addAppRoleAssignment(granted.id, 'Mail.Read', at(1));

    const abort = new AbortController();
    abort.abort();
    const cut = await run(d, 'incremental', at(2), abort.signal);
    expect(cut.run.status).toBe('interrupted');
    expect(await store.latestCheckpoint(ORG, INSTANCE, 'app-role-assignments')).toEqual(before);

    d.setQuirks({ failPage: { pathPrefix: `/v1.0/servicePrincipals/${granted.id}/appRoleAssignments`, pageIndex: 0, kind: 'status500' } });
    const failed = await run(d, 'incremental', at(3));
    expect(failed.outcome('app-role-assignments').status).not.toBe('complete');
    expect(await store.latestCheckpoint(ORG, INSTANCE, 'app-role-assignments')).toEqual(before);

    d.setQuirks({ failPage: undefined });
    // The apps moved on (their stream completed), the permissions did not: their bases differ, so every app is read.
    const next = await run(d, 'incremental', at(4));
    expect(next.outcome('app-role-assignments').status).toBe('complete');
    expect(next.assignments.some((a) => a.appKey === granted.id && a.scopes.includes('Mail.Read'))).toBe(true);
    expect(next.outcome('app-role-assignments').note).toMatch(/relative to run \d+, but the permissions were last read in run 1/);
  });

  it('any 410 means the delta link is gone, whatever its code; other 400s do not', () => {
    const body = (code: string) => JSON.stringify({ error: { code, message: 'x' } });
    expect(isExpiredLink({ status: 410, body: body('Gone') })).toBe(true);
    expect(isExpiredLink({ status: 410, body: '' })).toBe(true);
    expect(isExpiredLink({ status: 400, body: body('syncStateNotFound') })).toBe(true);
    expect(isExpiredLink({ status: 400, body: body('BadRequest') })).toBe(false);
  });
});

describe('incremental apps == full read (property)', () => {
  it('for random changes to users, apps, grants and permissions between runs, the incremental entities equal a full read', async () => {
    const fc = await import('fast-check');
    const tenant = generateTenant({ users: 80 });
    const d = await startDouble({ tenant });
    await run(d, 'full', at(0));
    let step = 0;
    let made = 0;
    const change = fc.record({
      kind: fc.constantFrom('grantPerm', 'revokePerm', 'addApp', 'renameApp', 'removeApp', 'addGrant', 'removeGrant', 'disableUser'),
      pick: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(change, { maxLength: 6 }), async (changes) => {
        step++;
        const when = at(step * 4 - 2);
        const apps = d.apps.servicePrincipals.filter((sp) => sp.id !== graphSpId(tenant));
        for (const c of changes) {
          const app = apps[c.pick % apps.length]!;
          if (!d.apps.servicePrincipalChanges.get(app.id)) continue;
          if (c.kind === 'grantPerm') d.apps.addAppRoleAssignment(app.id, c.pick % 2 ? 'Mail.Read' : 'Calendars.Read', when);
          else if (c.kind === 'revokePerm') {
            const held = d.apps.appRoleAssignments(app.id) ?? [];
            if (held.length) d.apps.removeAppRoleAssignment(app.id, held[c.pick % held.length]!.id, when);
          } else if (c.kind === 'addApp') d.apps.addServicePrincipal(newServicePrincipal(100 + ++made, app), when);
          else if (c.kind === 'renameApp') d.apps.updateServicePrincipal(app.id, { displayName: `Renamed ${c.pick}` }, when);
          else if (c.kind === 'removeApp' && apps.length > 5) d.apps.removeServicePrincipal(app.id, when);
          else if (c.kind === 'addGrant') d.apps.addDelegatedGrant(app.id, 'User.Read', when);
          else if (c.kind === 'removeGrant') {
            const g = d.apps.oauth2PermissionGrants;
            if (g.length) d.apps.removeDelegatedGrant(g[c.pick % g.length]!.id, when);
          } else if (c.kind === 'disableUser') d.users.update((tenant.user(c.pick % 80) as GraphUser).id, { accountEnabled: false });
        }
        const inc = await run(d, 'incremental', at(step * 4));
        const full = await run(d, undefined, at(step * 4 + 0.5));
        for (const s of STREAMS) expect(inc.outcome(s).status, s).toBe('complete');
        expect(inc.outcome('app-role-assignments').note).toMatch(/^Incremental:/);
        expectSameState(inc, full);
      }),
      { numRuns: 6, seed: 11 },
    );
  });
});
