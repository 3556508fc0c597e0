import { configSchema, type AgentConfig } from '../src/config/agent-config.ts';
import { DEFAULT_BUDGETS, type PacingBudget } from '../src/http/pacer.ts';
import type { GraphDouble, SimulatedTenant } from '../fixtures/m365/index.ts';
import { m365ConfigBlock } from '../fixtures/m365/index.ts';

export const SECRET_ENV = 'EVIDENTIA_BENCH_CLIENT_SECRET';

/** The Graph families the m365 connector paces (connectors/m365/graph-middleware.ts `graphFamily`). */
const GRAPH_FAMILIES = ['graph-directory', 'graph-reports', 'graph-signin'] as const;

/**
 * `--fast`: budgets so large they never hold a request back, each family keeping its default
 * concurrency (paging is sequential within a stream anyway), so only our own overhead is left.
 */
export function fastBudgets(): Record<string, PacingBudget> {
  return Object.fromEntries(GRAPH_FAMILIES.map((f) => [f, { intervalCap: 1_000_000, intervalMs: 1_000, concurrency: DEFAULT_BUDGETS[f]!.concurrency }]));
}

/** The budgets a run paces with: the defaults, or the defaults with `fastBudgets()` over them. */
export function effectiveBudgets(realQuotas: boolean): Record<string, PacingBudget> {
  const out: Record<string, PacingBudget> = {};
  for (const [f, b] of Object.entries(DEFAULT_BUDGETS)) out[f] = { ...b };
  return realQuotas ? out : { ...out, ...fastBudgets() };
}

/** An in-memory config like the demo's, pointed at the double, storing in `storePath`. */
export function benchConfig(opts: { storePath: string; tenant: SimulatedTenant; double: GraphDouble; realQuotas: boolean }): AgentConfig {
  const { tenant, double } = opts;
  return configSchema.parse({
    store: { path: opts.storePath },
    log: { level: 'warn' },
    http: { pacing: opts.realQuotas ? {} : fastBudgets() },
    organisations: [
      {
        id: 'contoso',
        name: `Contoso (simulated, ${tenant.userCount} users)`,
        accounts: { breakGlass: tenant.scenario.accounts.breakGlass, service: [`svc-*@${tenant.domain}`], sharedMailbox: [] },
        connectors: [
          m365ConfigBlock(double, { id: 'm365-bench', secretEnv: SECRET_ENV }),
        ],
      },
    ],
  });
}
