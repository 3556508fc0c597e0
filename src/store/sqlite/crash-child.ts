/**
 * Test helper run as a separate process by `crash.test.ts`: writes pages of one run as fast as it
 * can until it is killed. Prints `run <id>` once, then `ready` after 20 pages.
 * Usage: node --import tsx crash-child.ts <db-path>
 */
import { account, beginInput, page, USERS } from '../store-test-fixtures.ts';
import { openSqliteStore } from './sqlite-store.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: crash-child.ts <db-path>');
const store = await openSqliteStore(path);
const run = await store.beginRun(beginInput('acme', '2026-11-20T09:00:00Z'));
process.stdout.write(`run ${run.id}\n`);
for (let seq = 1; ; seq++) {
  await store.recordPage(run.id, page(USERS, seq, `{"value":[{"id":"user-${seq}"}]}`));
  await store.recordEntities(run.id, USERS, [account('acme', USERS, `user-${seq}@acme.test`)]);
  if (seq === 20) process.stdout.write('ready\n');
}
