/**
 * A second process for run-lock tests: takes an organisation's run lock in the store at
 * <db-path>, prints `held`, and keeps it until its stdin closes, then releases it and exits.
 * Usage: node --import tsx hold-run-lock.ts <db-path> <org> [lease-ms]
 */
import { openSqliteStore } from '../../src/store/sqlite/index.ts';

const [path, org, leaseArg] = process.argv.slice(2);
if (!path || !org) throw new Error('usage: hold-run-lock.ts <db-path> <org> [lease-ms]');
const store = await openSqliteStore(path, { mustExist: true });
const got = await store.acquireRunLock({ org, command: 'evidentia collect', leaseMs: Number(leaseArg ?? 600_000) });
if (!got.acquired) throw new Error(`the lock of ${org} is held by pid ${got.heldBy.pid}`);
process.stdout.write('held\n');
process.stdin.resume();
process.stdin.on('end', () => {
  void store.releaseRunLock(got.lease).then(() => store.close()).then(() => process.exit(0));
});
