/**
 * `node --expose-gc --import tsx bench/evaluate-probe.ts <evidence.db> [--profile]`: where the
 * memory of one evaluation goes, on a database kept by `npm run bench -- --keep`. Evaluates the
 * newest sealed run of org `contoso` phase by phase (load, view, correlation, each rule,
 * inventories, store), forcing a full GC after each, and prints the live heap after each phase
 * and the process's kernel peak RSS. With `--profile`, V8's sampling heap profiler runs over the
 * phases after loading (garbage included) and the functions that allocated most are printed.
 * It asserts nothing; the figures go into BENCHMARKS.md.
 */
import { Session } from 'node:inspector/promises';
import { configSchema } from '../src/config/agent-config.ts';
import { canonicalJson, sha256Hex } from '../src/core/canonical-json.ts';
import { buildSnapshotView } from '../src/evaluate/build-view.ts';
import { evaluateRules } from '../src/evaluate/run-rules.ts';
import { buildInventories } from '../src/inventory/build-inventories.ts';
import { appInventoryOptions } from '../src/inventory/app-options.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { allRules } from '../rules/index.ts';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const [dbPath, ...flags] = process.argv.slice(2);
if (!dbPath) throw new Error('usage: bench/evaluate-probe.ts <evidence.db> [--profile]');
const profile = flags.includes('--profile');

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
function phase(name: string, started: number): void {
  gc!();
  const { heapUsed } = process.memoryUsage();
  console.log(`${name.padEnd(28)} live heap after GC ${mb(heapUsed).padStart(9)}  ${(performance.now() - started).toFixed(0).padStart(6)} ms  max RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
}

const store = await openSqliteStore(dbPath);
const run = (await store.listRuns({ org: 'contoso' })).filter((r) => r.status === 'complete' || r.status === 'partial').sort((a, b) => b.id - a.id)[0];
if (!run) throw new Error(`no sealed run of org contoso in ${dbPath}`);
const runId = run.id;
let t = performance.now();
phase('start', t);
const snapshot = await store.loadSnapshot(runId);
phase(`loadSnapshot (${snapshot.entities.length} entities)`, t);

const session = new Session();
if (profile) {
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as object);
}
// Only the org's lists and rule parameters matter here; the connector block is never used.
const connector = { type: 'm365', id: 'm365-bench', tenantId: '00000000-0000-0000-0000-000000000000', clientId: '00000000-0000-0000-0000-000000000000', auth: { method: 'client_secret', secret: { env: 'UNUSED' } } };
const config = configSchema.parse({ store: { path: dbPath }, organisations: [{ id: 'contoso', name: 'probe', connectors: [connector] }] });
const org = config.organisations[0]!;
t = performance.now();
const view = buildSnapshotView(snapshot, { accounts: org.accounts, identity: org.identity });
phase('buildSnapshotView', t);
t = performance.now();
view.people();
phase('correlation (view.people)', t);
const allResults = [];
const params: Record<string, unknown> = {};
for (const rule of allRules) {
  t = performance.now();
  const out = evaluateRules(view, [rule], { global: config.rules, org: org.rules, exceptions: org.exceptions });
  allResults.push(...out.results);
  Object.assign(params, out.params);
  phase(`rule ${rule.id}`, t);
}
t = performance.now();
const inventories = buildInventories(view, appInventoryOptions(params as never, org.approvedApps));
phase('buildInventories', t);
async function report(what: string): Promise<void> {
  const { profile: p } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: ProfileNode } };
  const byFn = new Map<string, number>();
  const walk = (n: ProfileNode): void => {
    const where = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*\/(src|rules|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
    byFn.set(where, (byFn.get(where) ?? 0) + n.selfSize);
    n.children.forEach(walk);
  };
  walk(p.head);
  const total = [...byFn.values()].reduce((a, b) => a + b, 0);
  console.log(`\nallocated ${what} (sampled, garbage included): ${mb(total)}`);
  for (const [where, bytes] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${mb(bytes).padStart(10)}  ${where}`);
}
if (profile) {
  await report('from buildSnapshotView to buildInventories');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as object);
}
t = performance.now();
const paramsDigest = sha256Hex(canonicalJson({ params }));
const rec = await store.recordEvaluation(runId, { evaluatedAt: new Date(Date.parse(snapshot.run.startedAt) + 120_000).toISOString(), paramsDigest, results: allResults, inventories });
phase(`recordEvaluation (${rec.id})`, t);
if (profile) {
  await report('by recordEvaluation');
  session.disconnect();
}
await store.close();
