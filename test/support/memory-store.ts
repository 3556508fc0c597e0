import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvidenceStore } from '../../src/store/evidence-store.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';

export interface TempStoreOptions {
  /** Prefix of the temp folder's name. @default 'evidentia-test-' */
  prefix?: string;
  /**
   * Put the folder on tmpfs (`/dev/shm`) when the machine has one: the store runs
   * `synchronous = FULL`, and an fsync per page on a real disk costs more than the HTTP.
   * @default false (the OS temp folder)
   */
  preferTmpfs?: boolean;
}

/** A real SQLite store in a fresh temp folder, removed by `cleanup`. */
export async function tempStore(opts: TempStoreOptions = {}): Promise<{ store: EvidenceStore; dir: string; path: string; cleanup: () => Promise<void> }> {
  const root = opts.preferTmpfs && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = await mkdtemp(join(root, opts.prefix ?? 'evidentia-test-'));
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
