import type { admin_directory_v1 } from '@googleapis/admin';
import { callDirectory, type DirectoryCall, type RawPage } from './directory-call.ts';
import type { ScopeKey } from './permissions.ts';
import type { GoogleSession } from './session.ts';

export interface ListPage extends RawPage {
  /** The page's records (`users` or `items`); `[]` when Google left the key out (it does for empty lists). */
  items: unknown[] | null;
}

/**
 * Follows `nextPageToken` until Google stops sending one, with no page cap. Every response, the
 * one that ends the paging with a problem included, is yielded so it can be stored as evidence. A
 * token seen twice ends the paging as `truncated` instead of looping.
 */
export async function* listPages(
  session: GoogleSession,
  scope: ScopeKey,
  what: string,
  itemsKey: 'users' | 'items',
  call: (client: admin_directory_v1.Admin, pageToken: string | undefined) => ReturnType<DirectoryCall>,
  now: () => Date,
): AsyncGenerator<ListPage, void, undefined> {
  const seen = new Set<string>();
  let pageToken: string | undefined;
  for (let n = 1; ; n++) {
    const token = pageToken;
    const page = await callDirectory(session, scope, what, (client) => call(client, token), now);
    if (page.failure || !page.json) {
      const failure = page.failure?.kind === 'invalid' ? { ...page.failure, detail: `${page.failure.detail}; later pages were not read` } : page.failure;
      yield { ...page, items: null, failure };
      return;
    }
    const raw = page.json[itemsKey];
    if (raw !== undefined && !Array.isArray(raw)) {
      yield { ...page, items: null, failure: { kind: 'invalid', detail: `${what}: page ${n} has \`${itemsKey}\` that is not a list; later pages were not read` } };
      return;
    }
    const next = page.json.nextPageToken;
    pageToken = typeof next === 'string' && next !== '' ? next : undefined;
    if (pageToken !== undefined && seen.has(pageToken)) {
      yield { ...page, items: raw ?? [], failure: { kind: 'truncated', detail: `${what}: Google sent a page token already followed (after ${n} pages); paging stopped to avoid a loop` } };
      return;
    }
    yield { ...page, items: raw ?? [] };
    if (pageToken === undefined) return;
    seen.add(pageToken);
  }
}
