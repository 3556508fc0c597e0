#!/usr/bin/env node
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AgentError, ConfigError, UsageError } from '../core/errors.ts';
import { EXIT } from './exit-codes.ts';
import { openAppFromFile, type App } from '../run/app.ts';
import { TOOL_VERSION } from '../run/version.ts';
import { collectCommand } from './commands/collect.ts';
import { evaluateCommand } from './commands/evaluate.ts';
import { resultsCommand } from './commands/results.ts';
import { runsCommand } from './commands/runs.ts';
import { verifyCommand } from './commands/verify.ts';
import { checkCommand } from './commands/check.ts';
import { initCommand } from './commands/init.ts';
import { demoCommand } from './commands/demo.ts';
import { metricsCommand } from './commands/metrics.ts';
import { alertsTestCommand } from './commands/alerts.ts';
import { INVENTORY_FORMATS, inventoryCommand } from './commands/inventory.ts';
import type { InventoryFormat } from './commands/inventory.ts';
import { INVENTORY_KINDS } from '../inventory/inventory-schema.ts';
import type { InventoryKind } from '../inventory/inventory-schema.ts';
import { daemonCommand } from './commands/daemon.ts';
import { pruneCommand } from './commands/prune.ts';
import { exportCommand } from './commands/export.ts';
import { keysInitCommand } from './commands/keys.ts';
import { verifyPackageCommand } from './commands/verify-package.ts';

const DEFAULT_CONFIG = process.env.EVIDENTIA_CONFIG ?? 'evidentia.yaml';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of 1 or more');
  return n;
}

/** Shared by every command: turns any error into one line on stderr and a documented exit code. */
function exitCodeFor(e: unknown): number {
  if (e instanceof ConfigError || e instanceof UsageError) return EXIT.usage;
  if (e instanceof AgentError) {
    if (e.code === 'config_missing' || e.code === 'config_invalid' || e.code === 'secret_missing' || e.code === 'usage' || e.code === 'not_found') return EXIT.usage;
    if (e.code === 'store_failed' || e.code === 'store_locked') return EXIT.store;
    if (e.code === 'run_locked') return EXIT.locked;
    if (e.code === 'aborted') return EXIT.interrupted;
  }
  return EXIT.internal;
}

export async function main(argv: readonly string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): Promise<number> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    io.stderr.write(`\n${sig}: stopping after the current pages; what was read is kept (press again to quit now)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const now = () => new Date();
  const signal = controller.signal;
  let app: App | undefined;
  const withApp = async (cmd: Command, fn: (app: App) => Promise<number>, mode: { readOnly?: boolean } = {}): Promise<number> => {
    const { config } = cmd.optsWithGlobals<{ config: string }>();
    app = await openAppFromFile(config, mode);
    return fn(app);
  };
  let code: number = EXIT.ok;
  const program = new Command('evidentia')
    .description('Collects ISO/IEC 27001:2022 evidence from the systems where your identities live.')
    .version(TOOL_VERSION)
    .option('-c, --config <file>', 'config file (or EVIDENTIA_CONFIG)', DEFAULT_CONFIG)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program
    .command('demo')
    .description('full run against the built-in simulated Microsoft 365 tenant (no cloud account, no network)')
    .option('--users <n>', 'size of the simulated tenant', positiveInt, 60)
    .option('--dir <dir>', 'where the demo keeps its store and config', '.evidentia')
    .option('--unlicensed', 'simulate a tenant without Entra ID P1/P2')
    .action(async (o: { users: number; dir: string; unlicensed?: boolean }) => {
      code = await demoCommand({ ...o, unlicensed: o.unlicensed === true, signal, now, out: io.stdout });
    });
  program
    .command('init')
    .description('write a commented example config')
    .option('--out <file>', 'where to write it', 'evidentia.yaml')
    .action(async (o: { out: string }) => {
      code = await initCommand({ out: o.out, stdout: io.stdout });
    });
  program
    .command('check')
    .description('check credentials, permissions and licences of every connector (reads no data)')
    .option('--org <id>', 'only this organisation')
    .option('--json', 'machine-readable output')
    .action(async (o: { org?: string; json?: boolean }, cmd: Command) => {
      code = await withApp(cmd, (a) => checkCommand(a, { ...o, signal, now, out: io.stdout }));
    });
  program
    .command('collect')
    .description('collect evidence from every connector, store it, evaluate the rules')
    .option('--org <id>', 'only this organisation')
    .option('--json', 'print the results as JSON')
    .option('--incremental', 'read only what changed since the last run where the vendor allows it (Microsoft 365 users via Graph delta); falls back to a full read, saying why')
    .action(async (o: { org?: string; json?: boolean; incremental?: boolean }, cmd: Command) => {
      code = await withApp(cmd, (a) => collectCommand(a, { ...o, signal, now, out: io.stdout }));
    });
  program
    .command('evaluate')
    .description('re-evaluate a stored run offline (no network)')
    .requiredOption('--run <id>', 'run id (see `evidentia runs`)', positiveInt)
    .option('--json', 'print the results as JSON')
    .action(async (o: { run: number; json?: boolean }, cmd: Command) => {
      code = await withApp(cmd, (a) => evaluateCommand(a, { ...o, now, out: io.stdout }), { readOnly: true });
    });
  program
    .command('results')
    .description('show the latest stored results')
    .option('--org <id>', 'only this organisation')
    .option('--run <id>', 'the results of this run', positiveInt)
    .option('--json', 'machine-readable output')
    .action(async (o: { org?: string; run?: number; json?: boolean }, cmd: Command) => {
      code = await withApp(cmd, (a) => resultsCommand(a, { ...o, out: io.stdout }), { readOnly: true });
    });
  program
    .command('runs')
    .description('list stored runs')
    .option('--org <id>', 'only this organisation')
    .option('--limit <n>', 'at most this many, newest first', positiveInt, 20)
    .option('--json', 'machine-readable output')
    .action(async (o: { org?: string; limit: number; json?: boolean }, cmd: Command) => {
      code = await withApp(cmd, (a) => runsCommand(a, { ...o, out: io.stdout }), { readOnly: true });
    });
  program
    .command('metrics')
    .description('trends over stored runs: MFA coverage, hours to disable leavers, unapproved AI apps, admin counts, gaps')
    .option('--org <id>', 'only this organisation')
    .option('--from <YYYY-MM-DD>', 'first day (UTC) of runs to include')
    .option('--to <YYYY-MM-DD>', 'last day (UTC) of runs to include')
    .option('--json', 'machine-readable output')
    .action(async (o: { org?: string; from?: string; to?: string; json?: boolean }, cmd: Command) => {
      code = await withApp(cmd, (a) => metricsCommand(a, { ...o, now, out: io.stdout }), { readOnly: true });
    });
  program
    .command('inventory')
    .description('the inventories stored with the latest evaluation: privileged access, apps and grants, accounts per person, review population, leavers')
    .option('--org <id>', 'only this organisation')
    .addOption(new Option('--kind <kind>', 'only this inventory').choices(INVENTORY_KINDS))
    .option('--run <id>', 'the inventories of this run', positiveInt)
    .addOption(new Option('--format <format>', 'output format').choices(INVENTORY_FORMATS).default('table'))
    .action(async (o: { org?: string; kind?: InventoryKind; run?: number; format: InventoryFormat }, cmd: Command) => {
      code = await withApp(cmd, (a) => inventoryCommand(a, { ...o, out: io.stdout }), { readOnly: true });
    });
  program
    .command('daemon')
    .description('collect every organisation on its schedule until SIGTERM; serve /healthz and /metrics on 127.0.0.1')
    .action(async (_o: unknown, cmd: Command) => {
      code = await withApp(cmd, (a) => daemonCommand(a, { signal, err: io.stderr }));
    });
  program
    .command('prune')
    .description('drop raw page bodies older than retention.rawPagesDays (or --days) and settled alert deliveries older than retention.alertDeliveriesDays; hashes and results stay')
    .option('--days <n>', 'keep bodies of runs started within this many days', positiveInt)
    .option('--json', 'machine-readable output')
    .action(async (o: { days?: number; json?: boolean }, cmd: Command) => {
      code = await withApp(cmd, (a) => pruneCommand(a, { ...o, now, out: io.stdout }), { readOnly: true });
    });
  program
    .command('verify')
    .description('recompute every evidence hash and chain; with a package (folder or .zip), check it offline; exit 4 if anything changed')
    .argument('[package]', 'an export package to check instead of the store')
    .option('--key <public.pem>', 'with a package: the public key you trust (pins the signer)')
    .option('--json', 'machine-readable output')
    .action(async (pkg: string | undefined, o: { json?: boolean; key?: string }, cmd: Command) => {
      if (pkg !== undefined) code = await verifyPackageCommand({ location: pkg, ...o, stdout: io.stdout });
      else if (o.key !== undefined) throw new UsageError('--key applies to a package: evidentia verify <package> --key <public.pem>');
      else code = await withApp(cmd, (a) => verifyCommand(a, { ...o, out: io.stdout }), { readOnly: true });
    });
  program
    .command('export')
    .description('write a signed evidence package for an auditor: report, results, OSCAL, statement of applicability, CSVs, run manifests')
    .option('--org <id>', 'the organisation (needed when the config has several)')
    .requiredOption('--from <YYYY-MM-DD>', 'first day (UTC) of the audit period')
    .requiredOption('--to <YYYY-MM-DD>', 'last day (UTC) of the audit period, inclusive')
    .requiredOption('--out <dir|file.zip>', 'where to write the package: a new folder, or a .zip')
    .option('--pdf', 'also render report.pdf with the system Chromium')
    .action(async (o: { org?: string; from: string; to: string; out: string; pdf?: boolean }, cmd: Command) => {
      const { config } = cmd.optsWithGlobals<{ config: string }>();
      code = await withApp(cmd, (a) => exportCommand(a, { ...o, configFile: config, now, stdout: io.stdout }), { readOnly: true });
    });
  program
    .command('keys')
    .description('manage the key that signs export packages')
    .command('init')
    .description('make the Ed25519 signing key pair (private key mode 0600, never exported)')
    .option('--dir <dir>', 'where to put it (default: export.keyDir, else keys/ next to the store)')
    .action(async (o: { dir?: string }, cmd: Command) => {
      const { config } = cmd.optsWithGlobals<{ config: string }>();
      code = await keysInitCommand({ ...o, configFile: config, stdout: io.stdout });
    });
  program
    .command('alerts')
    .description('alert channels (see `alerts test`)')
    .command('test')
    .description('send a sample message to every configured alert channel; exit 6 if any failed')
    .option('--channel <name>', 'only this channel')
    .option('--json', 'machine-readable output')
    .action(async (o: { channel?: string; json?: boolean }, cmd: Command) => {
      code = await withApp(cmd, (a) => alertsTestCommand(a, { ...o, now, out: io.stdout }));
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; commander already printed its one-line message.
      code = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    } else {
      code = exitCodeFor(e);
      const message = e instanceof Error ? e.message : String(e);
      const scrubbed = app ? app.secrets.scrub(message) : message;
      io.stderr.write(code === EXIT.internal ? `evidentia: internal error: ${scrubbed} (this is a bug: please report it; set log.level to debug in the config for details)\n` : `evidentia: ${scrubbed}\n`);
    }
  } finally {
    await app?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (code === EXIT.ok && signal.aborted) code = EXIT.interrupted;
  return code;
}

const invokedDirectly = process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`evidentia: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = EXIT.internal;
    },
  );
}
