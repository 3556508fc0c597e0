import type { App } from '../../run/app.ts';
import { ConfigError } from '../../core/errors.ts';
import { openAlerting } from '../../alert/open-alerting.ts';
import { EXIT } from '../exit-codes.ts';

export interface AlertsTestOptions {
  channel?: string;
  json?: boolean;
  now: () => Date;
  out: NodeJS.WritableStream;
}

/** `evidentia alerts test`: a sample message to every configured channel (or one), each reported delivered or failed with the reason. */
export async function alertsTestCommand(app: App, opts: AlertsTestOptions): Promise<number> {
  const alerting = await openAlerting({ config: app.config, store: app.store, secrets: app.secrets, log: app.log, now: opts.now });
  if (!alerting) throw new ConfigError('alerts', 'no alerts are configured; add an `alerts:` section with at least one channel (see the README, "Alerts")');
  try {
    const results = await alerting.sendTest(opts.channel);
    if (opts.json) opts.out.write(`${JSON.stringify(results, null, 2)}\n`);
    else for (const r of results) opts.out.write(`${r.ok ? 'delivered' : 'FAILED   '}  ${r.channel} (${r.type})${r.error ? `: ${r.error}` : ''}\n`);
    return results.every((r) => r.ok) ? EXIT.ok : EXIT.delivery;
  } finally {
    await alerting.close();
  }
}
