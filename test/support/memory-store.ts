import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvidenceStore } from '../../src/store/evidence-store.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';

/** A real SQLite store in a fresh temp folder, removed by `cleanup`. */
export async function tempStore(): Promise<{ store: EvidenceStore; dir: string; path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'evidentia-test-'));
  const path = join(dir, 'evidence.db');
  const store = await openSqliteStore(path);
  return {
    store,
    dir,
    path,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
