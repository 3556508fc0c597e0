import type { AlertMessage } from '../alert-message.ts';
import type { Channel } from './channel.ts';
import { postJson } from './post-json.ts';
import type { FetchLike } from './post-json.ts';

const EMOJI = { high: ':red_circle:', medium: ':large_orange_circle:', low: ':white_circle:' } as const;

/** Slack incoming webhook: Block Kit blocks, with `text` as the notification fallback. */
export function slackPayload(m: AlertMessage): object {
  const facts = [`*Severity:* ${m.severity}`, `*Organisation:* ${m.org}`, m.type ? `*Event:* ${m.type}` : '', m.firstSeenAt ? `*Open since:* ${m.firstSeenAt}` : ''].filter(Boolean);
  return {
    text: `${m.title}: ${m.text}`.slice(0, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: m.title.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: `${EMOJI[m.severity]} ${escape(m.text)}`.slice(0, 3000) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join('  ·  ') }] },
    ],
  };
}

/** Slack's mrkdwn treats &, < and > as markup. */
function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackChannel(name: string, url: string, timeoutMs: number, fetch: FetchLike): Channel {
  return {
    name,
    type: 'slack',
    send: (m, _deliveryId, signal) => postJson({ fetch, url, body: JSON.stringify(slackPayload(m)), timeoutMs, channel: name, signal }),
    close: async () => {},
  };
}
