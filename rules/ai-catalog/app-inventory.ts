import type { App, AppGrant } from '../../src/core/model.ts';
import { outcomeUsableFor } from '../../src/core/stream-outcome.ts';
import type { SnapshotView } from '../../src/evaluate/snapshot-view.ts';
import { GOOGLE_CLIENT_PREFIX } from './match-app.ts';
import { compareCodeUnits as cmp } from '../../src/core/code-unit-order.ts';

/**
 * Every app that holds at least one grant, per connector instance, with its grants. An Entra grant
 * points at a service principal (`appKey` = its object id) whose name, publisher and URLs are in the
 * same instance's `app` stream; a Google token names its app itself (`appDisplayName`). A grant
 * whose app cannot be named because that stream was not read is kept apart as unresolved: it is
 * neither an AI app nor not one.
 */

export interface AppUse {
  instance: string;
  /** The app entity's key, or the grant's `appKey` (Google: `oauth-client:<id>`); stable across runs. */
  ref: string;
  label: string;
  app: App | undefined;
  grants: AppGrant[];
  /** `app`: named by an app record; `grant`: by the grant itself; `missing`: no record although the app stream was read. */
  namedBy: 'app' | 'grant' | 'missing';
}

export interface UnresolvedGrants {
  instance: string;
  grants: number;
  /** Why the apps could not be named (the app stream's failure, or no app stream at all). */
  reason: string;
}

export interface GrantInventory {
  /** Sorted by instance, then label, then ref. */
  uses: AppUse[];
  unresolved: UnresolvedGrants[];
}

/** The app fields the matcher reads; a partial app stream missing only other fields is still usable. */
const APP_FIELDS = ['displayName', 'appId', 'publisher', 'ownerTenantId', 'firstParty', 'homepage', 'replyUrls'];

export function inventoryGrants(view: SnapshotView): GrantInventory {
  const uses = new Map<string, AppUse>();
  const unresolved = new Map<string, UnresolvedGrants>();
  const appStream = new Map<string, { usable: boolean; reason: string }>();
  const streamOf = (instance: string) => {
    let s = appStream.get(instance);
    if (!s) appStream.set(instance, (s = appStreamState(view, instance)));
    return s;
  };

  for (const grant of view.entities('app_grant')) {
    const instance = grant.source.instance;
    const app = grant.appKey.startsWith(GOOGLE_CLIENT_PREFIX) ? undefined : view.find('app', instance, grant.appKey);
    let namedBy: AppUse['namedBy'];
    if (app) namedBy = 'app';
    else if (grant.appKey.startsWith(GOOGLE_CLIENT_PREFIX) || (grant.appDisplayName ?? null) !== null) namedBy = 'grant';
    else if (streamOf(instance).usable) namedBy = 'missing';
    else {
      const u = unresolved.get(instance) ?? { instance, grants: 0, reason: streamOf(instance).reason };
      u.grants += 1;
      unresolved.set(instance, u);
      continue;
    }
    const id = `${instance}\u0000${grant.appKey}`;
    let use = uses.get(id);
    if (!use) uses.set(id, (use = { instance, ref: grant.appKey, label: labelOf(app, grant), app, grants: [], namedBy }));
    use.grants.push(grant);
  }
  return { uses: [...uses.values()].sort(compareUses), unresolved: [...unresolved.values()].sort((a, b) => cmp(a.instance, b.instance)) };
}

function appStreamState(view: SnapshotView, instance: string): { usable: boolean; reason: string } {
  const streams = view.outcomes.filter((o) => o.entity === 'app' && o.instance === instance);
  if (streams.length === 0) return { usable: false, reason: `${instance} collects no app records, so its grants' apps cannot be named` };
  for (const o of streams) {
    const { usable, why } = outcomeUsableFor(o, APP_FIELDS);
    if (!usable) return { usable: false, reason: why ?? `${o.instance}/${o.stream} cannot be used` };
  }
  return { usable: true, reason: '' };
}

function labelOf(app: App | undefined, grant: AppGrant): string {
  if (app) return app.displayName;
  const name = grant.appDisplayName?.trim();
  if (name) return name;
  return grant.appKey.startsWith(GOOGLE_CLIENT_PREFIX) ? `OAuth client ${grant.appKey.slice(GOOGLE_CLIENT_PREFIX.length)}` : `app ${grant.appKey}`;
}

function compareUses(a: AppUse, b: AppUse): number {
  return cmp(a.instance, b.instance) || cmp(a.label, b.label) || cmp(a.ref, b.ref);
}
