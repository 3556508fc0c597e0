import { readFile } from 'node:fs/promises';
import { AgentError } from '../../core/errors.ts';
import type { SecretRegistry } from '../../core/secrets.ts';
import type { AlertsConfig } from '../alert-config.ts';
import type { Channel } from './channel.ts';
import { emailChannel } from './email.ts';
import { checkWebhookUrl } from './post-json.ts';
import type { FetchLike } from './post-json.ts';
import { slackChannel } from './slack.ts';
import { teamsChannel } from './teams.ts';
import { webhookChannel } from './webhook.ts';

export interface ChannelDeps {
  secrets: SecretRegistry;
  /** @default globalThis.fetch (undici) */
  fetch?: FetchLike;
  now: () => Date;
}

/**
 * Resolves every channel's secrets (so a missing one fails before anything is collected) and builds
 * the channels by name. Resolved values go through the secret registry, which scrubs them from logs.
 */
export async function createChannels(config: AlertsConfig, deps: ChannelDeps): Promise<Map<string, Channel>> {
  const fetch = deps.fetch ?? ((url: string, init: RequestInit) => globalThis.fetch(url, init));
  const out = new Map<string, Channel>();
  for (const [i, c] of config.channels.entries()) {
    const path = `alerts.channels[${i}]`;
    switch (c.type) {
      case 'slack':
      case 'teams': {
        const url = secretUrl(deps.secrets, await deps.secrets.resolve(c.webhookUrl, `${path}.webhookUrl`), `${path}.webhookUrl`);
        out.set(c.name, c.type === 'slack' ? slackChannel(c.name, url, c.timeoutMs, fetch) : teamsChannel(c.name, url, c.timeoutMs, fetch));
        break;
      }
      case 'webhook': {
        const url = secretUrl(deps.secrets, await deps.secrets.resolve(c.url, `${path}.url`), `${path}.url`);
        const key = await deps.secrets.resolve(c.signingKey, `${path}.signingKey`);
        out.set(c.name, webhookChannel(c.name, url, key, c.timeoutMs, fetch, deps.now));
        break;
      }
      case 'email': {
        const pass = c.password ? await deps.secrets.resolve(c.password, `${path}.password`) : null;
        let ca: string | null = null;
        if (c.caFile) {
          try {
            ca = await readFile(c.caFile, 'utf8');
          } catch (e) {
            throw new AgentError('config_invalid', `${path}.caFile: cannot read ${c.caFile} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
          }
        }
        out.set(
          c.name,
          emailChannel(c.name, { host: c.host, port: c.port, secure: c.secure, requireTls: c.requireTls, auth: c.username && pass ? { user: c.username, pass } : null, ca, from: c.from, to: c.to, timeoutMs: c.timeoutMs }),
        );
        break;
      }
    }
  }
  return out;
}

/**
 * A webhook URL's token is its path or query (Slack `/services/T…/B…/<token>`, Teams `…&sig=<sig>`).
 * Errors and receivers' answers quote the path alone, so the path, the query and each long part of
 * them are registered for scrubbing too, not only the whole URL.
 */
function secretUrl(secrets: SecretRegistry, value: string, path: string): string {
  const url = new URL(checkWebhookUrl(value, path));
  // Short parts ("services", "hooks") are words, not tokens: scrubbing them would garble every log.
  for (const p of [url.pathname, url.search]) if (p.length >= 8) secrets.remember(p);
  for (const p of [...url.pathname.split('/'), ...url.searchParams.values()]) if (p.length >= 16) secrets.remember(p);
  return url.toString();
}
