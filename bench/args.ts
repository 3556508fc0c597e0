/**
 * Command-line options of `npm run bench`. Unknown flags and bad values are refused with one line
 * naming the flag and what was expected, like the CLI's usage errors.
 */

export interface BenchOptions {
  /**
   * Tenant sizes (users), run one after the other.
   * @default [1000, 10000]
   */
  sizes: number[];
  /**
   * Simulated latency the Graph double adds before every response, in ms.
   * @default 20
   */
  latencyMs: number;
  /**
   * `true`: the connector paces with `DEFAULT_BUDGETS` and the double enforces Entra's reports
   * quota (5 per 10 s). `false` (`--fast`): both off, to measure pure overhead.
   * @default true
   */
  realQuotas: boolean;
  /**
   * Keep the temporary folder holding each size's evidence database (its path is printed).
   * @default false
   */
  keep: boolean;
  /**
   * Run each size's worker with `--max-old-space-size=<MB>`, to see whether a run fits a smaller
   * heap (V8 otherwise lets garbage pile up to a limit derived from the machine's memory).
   * @default undefined (V8's default)
   */
  heapLimitMb: number | undefined;
  /**
   * Print each size's minimum calls and time floors without running anything (e.g. 100,000 users
   * with real quotas, which takes about 45 minutes).
   * @default false
   */
  plan: boolean;
  help: boolean;
}

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

export const USAGE = `Usage: npm run bench -- [options]

  --sizes LIST      tenant sizes in users, comma-separated (default 1000,10000; 100000 allowed)
  --latency MS      simulated latency per response on the Graph double (default 20)
  --real-quotas     pace with DEFAULT_BUDGETS and enforce the reports quota on the double (default)
  --fast            no pacing budgets, no reports quota: measures pure overhead
  --keep            keep the temporary evidence databases
  --heap-limit MB   run each size with node --max-old-space-size=MB (default: V8's own limit)
  --plan            only print the minimum calls and time floors per size; run nothing
  -h, --help        this text

Prints a table per size and, as the last line of stdout, one JSON object with every figure.
Never fails on targets: exit 0 when figures were printed, 1 on a crash, 2 on bad options.`;

const MAX_USERS = 10_000_000;

export function parseArgs(argv: readonly string[]): BenchOptions {
  const opts: BenchOptions = { sizes: [1000, 10000], latencyMs: 20, realQuotas: true, keep: false, heapLimitMb: undefined, plan: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new BenchUsageError(`${flag}: expected a value, got nothing`);
      return v;
    };
    switch (flag) {
      case '--sizes':
        opts.sizes = parseSizes(value());
        break;
      case '--latency':
        opts.latencyMs = parseLatency(value());
        break;
      case '--real-quotas':
        opts.realQuotas = true;
        break;
      case '--fast':
        opts.realQuotas = false;
        break;
      case '--keep':
        opts.keep = true;
        break;
      case '--heap-limit': {
        const raw = value();
        const n = Number(raw);
        if (!/^\d+$/.test(raw) || n < 16) throw new BenchUsageError(`--heap-limit: expected megabytes (16 or more), got "${raw}"`);
        opts.heapLimitMb = n;
        break;
      }
      case '--plan':
        opts.plan = true;
        break;
      case '-h':
      case '--help':
        opts.help = true;
        break;
      default:
        throw new BenchUsageError(`unknown option "${arg}"; expected --sizes, --latency, --real-quotas, --fast, --keep, --heap-limit, --plan or --help`);
    }
  }
  return opts;
}

function parseSizes(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new BenchUsageError(`--sizes: expected comma-separated user counts like 1000,10000, got "${raw}"`);
  return parts.map((p) => {
    const n = /^\d+$/.test(p.replace(/_/g, '')) ? Number(p.replace(/_/g, '')) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_USERS) throw new BenchUsageError(`--sizes: expected whole numbers from 1 to ${MAX_USERS}, got "${p}"`);
    return n;
  });
}

function parseLatency(raw: string): number {
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(n) || n > 60_000) throw new BenchUsageError(`--latency: expected milliseconds from 0 to 60000, got "${raw}"`);
  return n;
}
