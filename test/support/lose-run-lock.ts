import Database from 'better-sqlite3';
import type { EvidenceStore } from '../../src/store/evidence-store.ts';

/**
 * The store, except that storing `org`'s first page first hands its run lock to another process
 * (a write to the lock row, as that process's takeover after our lease lapsed would make: a
 * `evidentia daemon`, pid 4242 on host-b) and then waits until `noticed()` says our run saw it.
 * Test-only.
 */
export function losingRunLock(store: EvidenceStore, opts: { dbPath: string; org: string; noticed: () => boolean }): EvidenceStore {
  let done = false;
  const recordPage: EvidenceStore['recordPage'] = async (runId, page) => {
    if (!done && (await store.getRun(runId))?.org === opts.org) {
      done = true;
      const db = new Database(opts.dbPath);
      try {
        db.prepare(`UPDATE run_locks SET holder_id = 'taken-over', pid = 4242, hostname = 'host-b', command = 'evidentia daemon' WHERE org = ?`).run(opts.org);
      } finally {
        db.close();
      }
      for (let i = 0; !opts.noticed(); i++) {
        if (i > 400) throw new Error('the run never noticed its lock was taken over');
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    return store.recordPage(runId, page);
  };
  return new Proxy(store, {
    get: (target, key) => {
      if (key === 'recordPage') return recordPage;
      const value: unknown = Reflect.get(target, key);
      // The store's methods use private fields: they must run on the store itself.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
