import type { AlertMessage } from '../alert-message.ts';
import type { Channel } from './channel.ts';
import { postJson } from './post-json.ts';
import type { FetchLike } from './post-json.ts';
import { signWebhook } from './webhook-signature.ts';

/** The generic webhook's body: versioned, with the delivery id a receiver deduplicates on. */
export function webhookBody(m: AlertMessage, deliveryId: string): string {
  return JSON.stringify({ version: 1, deliveryId, message: m });
}

export function webhookChannel(name: string, url: string, key: string, timeoutMs: number, fetch: FetchLike, now: () => Date): Channel {
  return {
    name,
    type: 'webhook',
    send: (m, deliveryId, signal) => {
      const body = webhookBody(m, deliveryId);
      const timestamp = Math.floor(now().getTime() / 1000);
      const headers = { 'x-evidentia-timestamp': String(timestamp), 'x-evidentia-signature': signWebhook(key, timestamp, body), 'x-evidentia-delivery': deliveryId };
      return postJson({ fetch, url, body, headers, timeoutMs, channel: name, signal });
    },
    close: async () => {},
  };
}
