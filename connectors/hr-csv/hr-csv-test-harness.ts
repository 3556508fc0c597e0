import type { RosterCsvRow } from '../../fixtures/hr-csv/index.ts';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connector } from './index.ts';
import type { CheckItem, Connector, Page } from '../../src/core/connector.ts';
import type { Person } from '../../src/core/model.ts';
import type { StreamOutcome } from '../../src/core/stream-outcome.ts';
import { createHttpContext } from '../../src/http/request-with-retry.ts';
import { createTestContext, readStream, runCheck, type TestContextOptions } from '../../test/support/connector-harness.ts';
import { silentLogger } from '../../test/support/silent-logger.ts';

/**
 * What the hr-csv tests share: roster files in a temp folder that is always removed, and reads the
 * way the collector does them (OutcomeBuilder turns a thrown error into the failure it records).
 */

export const HR_CSV = connector as Connector<unknown>;
export const NOW = new Date('2026-11-20T10:00:00Z');

/** One well-formed roster row (Ann Lee, active), with `over` replacing cells. */
export function rosterRow(over: Partial<Record<string, string | null>> = {}): RosterCsvRow {
  return {
    employee_id: 'E1',
    work_email: 'ann.lee@contoso.com',
    display_name: 'Ann Lee',
    status: 'active',
    hire_date: '2024-01-15',
    termination_date: '',
    manager_email: '',
    ...over,
  };
}

export class RosterFiles {
  #dir: string | undefined;

  async dir(): Promise<string> {
    this.#dir ??= await mkdtemp(join(tmpdir(), 'evidentia-hr-csv-'));
    return this.#dir;
  }

  /** Writes `content` (text as UTF-8, or raw bytes) and returns the absolute path. */
  async write(name: string, content: string | Uint8Array): Promise<string> {
    const path = join(await this.dir(), name);
    await writeFile(path, content);
    return path;
  }

  /** Writes the roster file and reads it through the connector with `config` on top. */
  async read(name: string, content: string | Uint8Array, config: Record<string, unknown> = {}): Promise<RosterRead> {
    return readRoster({ file: await this.write(name, content), ...config });
  }

  async cleanup(): Promise<void> {
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}

/**
 * A path the current process cannot read. `chmod 000` works for ordinary users; root ignores
 * permission bits (CAP_DAC_OVERRIDE), but procfs still refuses root a read of a write-only
 * sysctl (mode 0200), so that is the fallback. Each candidate is proven unreadable (EACCES) first.
 */
export async function unreadablePath(files: RosterFiles): Promise<string> {
  const own = await files.write('unreadable.csv', 'employee_id,work_email,status,hire_date,termination_date\r\n');
  await chmod(own, 0o000);
  for (const candidate of [own, '/proc/sys/vm/compact_memory', '/proc/sys/vm/drop_caches']) {
    try {
      await readFile(candidate);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EACCES') return candidate;
    }
  }
  throw new Error('no unreadable file is available to this process (running as root without /proc/sys?); the denied test cannot be set up');
}

export interface RosterRead {
  pages: Page[];
  outcome: StreamOutcome;
  people: Person[];
  /** Failure details, for readable assertions. */
  details: string[];
}

function contextOptions(config: Record<string, unknown>): TestContextOptions {
  return { instance: 'hr-test', org: 'acme', config, env: {}, http: createHttpContext({ sleep: async () => {} }), log: silentLogger(), now: () => NOW };
}

export async function readRoster(config: Record<string, unknown>): Promise<RosterRead> {
  const { ctx, dispose } = createTestContext(HR_CSV, contextOptions(config));
  const [stream] = HR_CSV.streams(ctx);
  const { pages, outcome } = await readStream(HR_CSV, 'hr-test', stream!, ctx, { now: () => NOW, dispose });
  return { pages, outcome, people: pages.flatMap((p) => p.entities) as Person[], details: outcome.failures.map((f) => f.detail) };
}

export async function checkRoster(config: Record<string, unknown>): Promise<CheckItem[]> {
  return runCheck(HR_CSV, contextOptions(config));
}
