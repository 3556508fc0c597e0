/**
 * Preloaded into a real `evidentia collect` child (`node --import tsx --import crash-hook.ts
 * bin/evidentia.js …`) by collect-crash.test.ts: SIGKILLs the process at one chosen write, in the
 * middle of that write's SQLite transaction (after the statement ran, before COMMIT), so every kill
 * is as late as a power cut could be. Nothing in the product knows about it.
 *
 * EVIDENTIA_TEST_CRASH_AT=<point>:<n>, the n-th (1-based) execution of:
 * - `blob`     storing a page body (recordPage),          - `page`     its page row,
 * - `entities` a page's entities (recordEntities),        - `outcome`  a stream outcome,
 * - `seal`     the run's seal (manifest and chain),        - `evaluation` the results.
 */
import Database from 'better-sqlite3';

const STATEMENTS: Record<string, RegExp> = {
  blob: /^INSERT INTO blobs/,
  page: /^\s*INSERT INTO pages/,
  // Schema 2 writes a run's entities as pending rows until the seal turns them into entity sets.
  entities: /^INSERT INTO (entities|pending_entities) /,
  outcome: /^INSERT INTO stream_outcomes/,
  seal: /^UPDATE runs SET status = \?, finished_at = \?, seal_seq/,
  evaluation: /^INSERT INTO evaluations/,
};

const spec = process.env.EVIDENTIA_TEST_CRASH_AT ?? '';
const [point, nth] = spec.split(':');
const pattern = point ? STATEMENTS[point] : undefined;
if (spec && !pattern) throw new Error(`EVIDENTIA_TEST_CRASH_AT=${spec}: expected one of ${Object.keys(STATEMENTS).join(', ')} with :n`);
const target = Number(nth ?? '1');
let seen = 0;

if (pattern) {
  const proto = Database.prototype as unknown as { prepare: (sql: string) => { run: (...a: unknown[]) => unknown } };
  const prepare = proto.prepare;
  proto.prepare = function patchedPrepare(this: unknown, sql: string) {
    const stmt = prepare.call(this, sql);
    if (!pattern.test(sql)) return stmt;
    const run = stmt.run;
    stmt.run = function countedRun(this: unknown, ...args: unknown[]) {
      const result = run.apply(this, args);
      seen += 1;
      if (seen === target) {
        process.stderr.write(`crash-hook: SIGKILL at ${spec}\n`);
        process.kill(process.pid, 'SIGKILL');
      }
      return result;
    };
    return stmt;
  };
}
