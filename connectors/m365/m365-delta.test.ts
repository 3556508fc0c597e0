import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/core/model.ts';
import type { EvidenceStore } from '../../src/store/evidence-store.ts';
import { tempStore } from '../../test/support/memory-store.ts';
import { generateTenant, type GraphDouble, type GraphUser } from '../../fixtures/m365/index.ts';
import { closeDoubles, INSTANCE, ORG, startDouble, trackedRun } from './m365-test-harness.ts';

/**
 * Incremental collection of m365 users through Graph delta: the stored users of an incremental run
 * equal a full read of the changed tenant (sign-in facts aside, which delta cannot return), the
 * raw delta pages are the run's evidence, expired links fall back to a full read that says why,
 * and an interrupted run leaves the stored link in force.
 */

const DAY = 86_400_000;
let store: EvidenceStore;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  const t = await tempStore({ prefix: 'evidentia-delta-', preferTmpfs: true });
  store = t.store;
  cleanup = t.cleanup;
});
afterEach(async () => {
  await closeDoubles();
  await cleanup();
});

async function run(d: GraphDouble, mode: 'full' | 'incremental' | undefined, at: Date, signal = new AbortController().signal) {
  const r = await trackedRun(store, d, { streams: ['users'], mode, now: at, signal });
  return { run: r.run, users: r.outcome('users'), accounts: (await r.entities('users')) as Account[], calls: r.calls };
}

/** Accounts without sign-in facts (delta cannot return them), by key. */
const withoutSignIn = (accounts: Account[]) => new Map(accounts.map((a) => [a.key, { ...a, signIn: null }]));

function newUser(template: GraphUser, n: number): GraphUser {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const { signInActivity: _dropped, ...rest } = template;
  return { ...rest, id, userPrincipalName: `new.person${n}@contoso.onmicrosoft.com`, mail: `new.person${n}@contoso.com`, displayName: `New Person ${n}` };
}

describe('m365 users with Graph delta', () => {
  it('an incremental run stores only the delta pages and yields the same users as a full read of the changed tenant', async () => {
    const tenant = generateTenant({ users: 450 });
    const d = await startDouble({ tenant });
    const t0 = new Date('2026-11-20T09:00:00Z');
    const first = await run(d, 'incremental', t0);
    expect(first.users.status).toBe('complete');
    expect(first.users.note).toMatch(/Full read instead of incremental: no delta link is stored yet/);
    expect(first.calls.map((c) => c.path)).toContain('/v1.0/users/delta');

    // Between runs: one user added, one disabled, one changed, one soft-deleted, one hard-deleted.
    d.users.add(newUser(tenant.user(40), 1));
    d.users.update(tenant.user(41).id, { accountEnabled: false });
    d.users.update(tenant.user(42).id, { displayName: 'Renamed Person', employeeLeaveDateTime: '2026-11-21T17:00:00Z' });
    d.users.remove(tenant.user(43).id, 'changed');
    d.users.remove(tenant.user(44).id, 'deleted');

    const second = await run(d, 'incremental', new Date(t0.getTime() + 4 * 3_600_000));
    expect(second.users.status).toBe('complete');
    expect(second.users.note).toMatch(/1 added, 2 changed, 2 removed users applied to run 1/);
    expect(second.users.note).toMatch(/Sign-in activity is not available in delta/);
    // Only delta calls: no `/users` full read.
    expect(second.calls.map((c) => c.path)).toEqual(['/v1.0/users/delta']);
    expect(second.run.mode).toBe('incremental');

    const full = await run(d, undefined, new Date(t0.getTime() + 5 * 3_600_000));
    expect(full.calls.map((c) => c.path)).not.toContain('/v1.0/users/delta');
    expect(withoutSignIn(second.accounts)).toEqual(withoutSignIn(full.accounts));
    expect(second.accounts).toHaveLength(450 - 2 + 1);
    // Unchanged users keep the sign-in facts of the full read; the new one has none (unknown, not "never").
    const byKey = new Map(second.accounts.map((a) => [a.key, a]));
    const fullByKey = new Map(full.accounts.map((a) => [a.key, a]));
    expect(byKey.get(tenant.user(100).id)!.signIn).toEqual(fullByKey.get(tenant.user(100).id)!.signIn);
    expect(byKey.get('00000000-0000-4000-8000-000000000001')!.signIn).toBeNull();
    expect(byKey.get(tenant.user(41).id)!.enabled).toBe(false);

    // The manifest says the set was derived from run 1, and verify still passes.
    const manifest = JSON.parse((await store.getManifest(second.run.id))!) as { mode?: string; derivedFrom?: Array<{ stream: string; baseRunId: number }> };
    expect(manifest.mode).toBe('incremental');
    expect(manifest.derivedFrom).toEqual([expect.objectContaining({ stream: 'users', baseRunId: first.run.id })]);
    expect((await store.verify()).ok).toBe(true);
  });

  it('pages delta changes with nextLink and ends with a deltaLink; @removed users leave the set', async () => {
    const tenant = generateTenant({ users: 500 });
    const d = await startDouble({ tenant });
    const t0 = new Date('2026-11-20T09:00:00Z');
    await run(d, 'full', t0);
    for (let i = 100; i < 350; i++) d.users.update(tenant.user(i).id, { department: 'Changed' });
    for (let i = 350; i < 360; i++) d.users.remove(tenant.user(i).id);
    const next = await run(d, 'incremental', new Date(t0.getTime() + 3_600_000));
    expect(next.users.status).toBe('complete');
    expect(next.users.pages).toBe(2); // 260 changes, pages of 200
    expect(next.accounts).toHaveLength(490);
    expect(next.accounts.some((a) => a.key === tenant.user(355).id)).toBe(false);
  });

  it('falls back to a full read, saying why, when Graph refuses the link or it is older than 7 days', async () => {
    const tenant = generateTenant({ users: 120 });
    const d = await startDouble({ tenant });
    const t0 = new Date('2026-11-20T09:00:00Z');
    await run(d, 'full', t0);
    d.users.expireTokens(410);
    const refused = await run(d, 'incremental', new Date(t0.getTime() + DAY));
    expect(refused.users.status).toBe('complete');
    expect(refused.users.note).toMatch(/Graph refused the stored delta link \(410 resyncRequired\)/);
    expect(refused.accounts).toHaveLength(120);
    expect(refused.calls.map((c) => c.path)).toContain('/v1.0/users');

    d.users.expireTokens(400);
    const expired = await run(d, 'incremental', new Date(t0.getTime() + 2 * DAY));
    expect(expired.users.note).toMatch(/400 syncStateNotFound/);

    const old = await run(d, 'incremental', new Date(t0.getTime() + 10 * DAY));
    expect(old.users.note).toMatch(/older than 7 days/);
    expect(old.calls.filter((c) => c.path === '/v1.0/users/delta' && !('$deltatoken' in c.query && c.query.$deltatoken === 'latest'))).toHaveLength(0);
    expect((await store.verify()).ok).toBe(true);
  });

  it('refreshes sign-in activity with a full read once it was last read in full 7 days ago, even through incremental runs', async () => {
    const tenant = generateTenant({ users: 60 });
    const d = await startDouble({ tenant });
    const t0 = new Date('2026-11-20T09:00:00Z');
    await run(d, 'full', t0);
    for (let day = 1; day <= 7; day++) {
      const r = await run(d, 'incremental', new Date(t0.getTime() + day * DAY - 3_600_000));
      expect(r.users.note, `day ${day}`).toMatch(/^Incremental: .*carried from the full read at 2026-11-20T09:00:00.000Z/);
    }
    const eighth = await run(d, 'incremental', new Date(t0.getTime() + 7 * DAY + 3_600_000));
    expect(eighth.users.note).toMatch(/Full read instead of incremental: sign-in activity was last read in full more than 7 days ago/);
    expect(eighth.calls.map((c) => c.path)).toContain('/v1.0/users');
  });

  it('an interrupted incremental run leaves the stored link untouched', async () => {
    const tenant = generateTenant({ users: 120 });
    const d = await startDouble({ tenant });
    const t0 = new Date('2026-11-20T09:00:00Z');
    const first = await run(d, 'full', t0);
    const before = await store.latestCheckpoint(ORG, INSTANCE, 'users');
    expect(before?.runId).toBe(first.run.id);
    d.users.update(tenant.user(5).id, { accountEnabled: false });
    const abort = new AbortController();
    abort.abort();
    const cut = await run(d, 'incremental', new Date(t0.getTime() + 3_600_000), abort.signal);
    expect(cut.run.status).toBe('interrupted');
    expect(await store.latestCheckpoint(ORG, INSTANCE, 'users')).toEqual(before);
    // The next run still sees the change made before the interrupted one.
    const next = await run(d, 'incremental', new Date(t0.getTime() + 2 * 3_600_000));
    expect(next.users.note).toMatch(/0 added, 1 changed, 0 removed/);
    expect(next.accounts.find((a) => a.key === tenant.user(5).id)!.enabled).toBe(false);
  });

  it('a failed delta read stores no users and keeps the previous link', async () => {
    const tenant = generateTenant({ users: 120 });
    const d = await startDouble({ tenant });
    const t0 = new Date('2026-11-20T09:00:00Z');
    const first = await run(d, 'full', t0);
    // The token is issued with the permissions of the moment, so the refusal reaches the delta call.
    d.setQuirks({ deniedPermissions: ['User.Read.All', 'Directory.Read.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'] });
    const failed = await run(d, 'incremental', new Date(t0.getTime() + 3_600_000));
    expect(failed.users.status).toBe('failed');
    expect(failed.users.failures[0]?.kind).toBe('denied');
    expect(failed.accounts).toHaveLength(0);
    expect((await store.latestCheckpoint(ORG, INSTANCE, 'users'))?.runId).toBe(first.run.id);
  });
});

describe('incremental view == full view (property)', () => {
  it('for random changes between runs, the incremental users equal a full read of the changed tenant', async () => {
    const fc = await import('fast-check');
    const tenant = generateTenant({ users: 80 });
    const d = await startDouble({ tenant });
    const t0 = new Date('2026-11-20T09:00:00Z');
    await run(d, 'full', t0);
    const live = new Set(Array.from({ length: 80 }, (_, i) => tenant.user(i).id));
    let added = 0;
    let step = 0;
    const change = fc.oneof(
      fc.record({ kind: fc.constant('disable' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('rename' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat(), hard: fc.boolean() }),
      fc.record({ kind: fc.constant('add' as const), pick: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(change, { maxLength: 6 }), async (changes) => {
        for (const c of changes) {
          const ids = [...live];
          const id = ids[c.pick % ids.length]!;
          if (c.kind === 'disable') d.users.update(id, { accountEnabled: false });
          else if (c.kind === 'rename') d.users.update(id, { displayName: `Renamed ${c.pick}` });
          else if (c.kind === 'remove' && ids.length > 1) {
            d.users.remove(id, c.hard ? 'deleted' : 'changed');
            live.delete(id);
          } else if (c.kind === 'add') {
            const u = newUser(tenant.user(c.pick % 80), 1000 + ++added);
            d.users.add(u);
            live.add(u.id);
          }
        }
        step++;
        const inc = await run(d, 'incremental', new Date(t0.getTime() + step * 3_600_000));
        const full = await run(d, undefined, new Date(t0.getTime() + step * 3_600_000 + 1000));
        expect(inc.users.status).toBe('complete');
        expect(withoutSignIn(inc.accounts)).toEqual(withoutSignIn(full.accounts));
      }),
      { numRuns: 8, seed: 5 },
    );
  });
});
