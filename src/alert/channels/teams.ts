import type { AlertMessage } from '../alert-message.ts';
import type { Channel } from './channel.ts';
import { postJson } from './post-json.ts';
import type { FetchLike } from './post-json.ts';

const COLOR = { high: 'attention', medium: 'warning', low: 'default' } as const;

/** Microsoft Teams workflow webhook ("When a Teams webhook request is received"): a message with one Adaptive Card 1.4. */
export function teamsPayload(m: AlertMessage): object {
  const facts = [
    { title: 'Severity', value: m.severity },
    { title: 'Organisation', value: m.org },
    ...(m.type ? [{ title: 'Event', value: m.type }] : []),
    ...(m.firstSeenAt ? [{ title: 'Open since', value: m.firstSeenAt }] : []),
  ];
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: m.title, weight: 'Bolder', size: 'Medium', wrap: true, color: COLOR[m.severity] },
            { type: 'TextBlock', text: m.text, wrap: true },
            { type: 'FactSet', facts },
          ],
        },
      },
    ],
  };
}

export function teamsChannel(name: string, url: string, timeoutMs: number, fetch: FetchLike): Channel {
  return {
    name,
    type: 'teams',
    send: (m, _deliveryId, signal) => postJson({ fetch, url, body: JSON.stringify(teamsPayload(m)), timeoutMs, channel: name, signal }),
    close: async () => {},
  };
}
