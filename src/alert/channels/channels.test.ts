import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretRegistry } from '../../core/secrets.ts';
import { alertsConfig } from '../alert-config.ts';
import { findingMessage } from '../alert-message.ts';
import { generateDoubleTls } from '../../../fixtures/m365/graph-double.ts';
import { startHttpReceiver, startSmtpReceiver } from '../../../test/support/alert-receivers.ts';
import { createChannels } from './create-channels.ts';
import { signWebhook, verifyWebhook } from './webhook-signature.ts';

const NOW = new Date('2026-11-20T09:00:00Z');
const message = findingMessage(
  'alert',
  { id: 'f1', org: 'contoso', type: 'leaver_access', label: 'henrietta.mueller@contoso.com', subject: 'google-main/henrietta', scope: 'google-main', severity: 'high', detail: 'Henrietta Mueller left 30 h ago; account still enabled <sic>', firstSeenAt: NOW.toISOString() },
  NOW.toISOString(),
  7,
);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('Microsoft Teams workflow webhook', () => {
  it('posts a message with one Adaptive Card 1.4 naming the finding', async () => {
    const receiver = await startHttpReceiver();
    cleanups.push(() => receiver.close());
    const config = alertsConfig.parse({ channels: [{ name: 'it-teams', type: 'teams', webhookUrl: { env: 'TEAMS_URL' } }] });
    const channels = await createChannels(config, { secrets: new SecretRegistry({ TEAMS_URL: receiver.url('/workflows/abc/triggers/manual/paths/invoke?sig=0123456789abcdef0123') }), now: () => NOW });
    receiver.answers.push({ status: 202 });
    await channels.get('it-teams')!.send(message, 'd-1');
    const body = JSON.parse(receiver.requests[0]!.body) as { type: string; attachments: { contentType: string; content: { type: string; version: string; body: { type: string; text?: string; facts?: { title: string; value: string }[] }[] } }[] };
    expect(receiver.requests[0]!.headers['content-type']).toContain('application/json');
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    const card = body.attachments[0]!;
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.content.body[0]).toMatchObject({ type: 'TextBlock', text: 'Leaver still has access: henrietta.mueller@contoso.com' });
    expect(card.content.body[1]!.text).toContain('left 30 h ago');
    expect(card.content.body[2]!.facts).toContainEqual({ title: 'Severity', value: 'high' });
  });

  it('refuses a webhook URL that is not https (the URL is a credential), without printing it', async () => {
    const config = alertsConfig.parse({ channels: [{ name: 'it-teams', type: 'teams', webhookUrl: { env: 'TEAMS_URL' } }] });
    const secrets = new SecretRegistry({ TEAMS_URL: 'http://prod-01.example.com/workflows/secret-token-123456' });
    await expect(createChannels(config, { secrets, now: () => NOW })).rejects.toThrow(/^alerts\.channels\[0\]\.webhookUrl: the secret holds a URL that is not https:\/\//);
    await expect(createChannels(config, { secrets, now: () => NOW })).rejects.not.toThrow(/secret-token/);
  });
});

describe('webhook signature', () => {
  it('verifies the exact body within the replay window only', () => {
    const body = '{"version":1}';
    const ts = Math.floor(NOW.getTime() / 1000);
    const signature = signWebhook('k3y-for-tests', ts, body);
    expect(verifyWebhook('k3y-for-tests', { signature, timestamp: String(ts) }, body, NOW.getTime())).toBe(true);
    expect(verifyWebhook('k3y-for-tests', { signature, timestamp: String(ts) }, `${body} `, NOW.getTime())).toBe(false);
    expect(verifyWebhook('other-key', { signature, timestamp: String(ts) }, body, NOW.getTime())).toBe(false);
    // Replayed ten minutes later.
    expect(verifyWebhook('k3y-for-tests', { signature, timestamp: String(ts) }, body, NOW.getTime() + 600_000)).toBe(false);
    // A fresh timestamp on the old signature.
    expect(verifyWebhook('k3y-for-tests', { signature, timestamp: String(ts + 600) }, body, NOW.getTime() + 600_000)).toBe(false);
  });
});

describe('e-mail over SMTP', () => {
  it('upgrades with STARTTLS, authenticates, and delivers the finding to every recipient', async () => {
    const tls = await generateDoubleTls();
    const smtp = await startSmtpReceiver({ user: 'alerts@contoso.com', pass: 'smtp-pa55word-xyz', tls });
    cleanups.push(() => smtp.close());
    const dir = await mkdtemp(join(tmpdir(), 'evidentia-smtp-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'ca.pem'), tls.cert);
    const config = alertsConfig.parse({
      channels: [
        { name: 'mail', type: 'email', host: '127.0.0.1', port: smtp.port, username: 'alerts@contoso.com', password: { env: 'SMTP_PASSWORD' }, caFile: join(dir, 'ca.pem'), from: 'evidentia@contoso.com', to: ['security@contoso.com', 'it@contoso.com'] },
      ],
    });
    const channels = await createChannels(config, { secrets: new SecretRegistry({ SMTP_PASSWORD: 'smtp-pa55word-xyz' }), now: () => NOW });
    cleanups.push(() => channels.get('mail')!.close());
    await channels.get('mail')!.send(message, 'd-42');
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail).toMatchObject({ from: 'evidentia@contoso.com', to: ['security@contoso.com', 'it@contoso.com'], user: 'alerts@contoso.com', secure: true });
    // Long header lines are folded on the wire.
    expect(mail.raw.replace(/\r\n[ \t]+/g, ' ')).toContain('Subject: [Evidentia HIGH] Leaver still has access: henrietta.mueller@contoso.com');
    expect(mail.raw).toContain('X-Evidentia-Delivery: d-42');
    expect(mail.raw).toContain('left 30 h ago');
  });

  it('reports a refused login with the server answer, not the password', async () => {
    const smtp = await startSmtpReceiver({ user: 'alerts@contoso.com', pass: 'the-right-one' });
    cleanups.push(() => smtp.close());
    const config = alertsConfig.parse({
      channels: [{ name: 'mail', type: 'email', host: '127.0.0.1', port: smtp.port, requireTls: false, username: 'alerts@contoso.com', password: { env: 'SMTP_PASSWORD' }, from: 'evidentia@contoso.com', to: ['security@contoso.com'], timeoutMs: 5000 }],
    });
    const secrets = new SecretRegistry({ SMTP_PASSWORD: 'wrong-pa55word-xyz' });
    const channels = await createChannels(config, { secrets, now: () => NOW });
    cleanups.push(() => channels.get('mail')!.close());
    const err = await channels.get('mail')!.send(message, 'd-1').then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/^mail: the SMTP server answered 535/);
    expect(err?.message).not.toContain('wrong-pa55word-xyz');
    expect(smtp.mails).toHaveLength(0);
  });
});

/** A TCP server on 127.0.0.1 that accepts and never says a word; resolves `closed` when the client hangs up. */
async function startSilentServer(): Promise<{ port: number; connected: Promise<void>; closed: Promise<void>; close: () => Promise<void> }> {
  let onConnect!: () => void;
  let onClose!: () => void;
  const connected = new Promise<void>((r) => (onConnect = r));
  const closed = new Promise<void>((r) => (onClose = r));
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => {}); // read and never answer
    socket.on('close', () => onClose());
    onConnect();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return { port, connected, closed, close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }) };
}

describe('a send cut short by shutdown', () => {
  it.each(['webhook', 'email'] as const)('%s: aborting the signal ends the send at once and closes its connection', async (type) => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const channel =
      type === 'webhook'
        ? { name: 'siem', type, url: { env: 'HOOK_URL' }, signingKey: { env: 'HOOK_KEY' }, timeoutMs: 60_000 }
        : { name: 'mail', type, host: '127.0.0.1', port: silent.port, requireTls: false, from: 'evidentia@contoso.com', to: ['security@contoso.com'], timeoutMs: 60_000 };
    const config = alertsConfig.parse({ channels: [channel] });
    const channels = await createChannels(config, { secrets: new SecretRegistry({ HOOK_URL: `http://127.0.0.1:${silent.port}/hook`, HOOK_KEY: 'k'.repeat(32) }), now: () => NOW });
    const c = channels.get(channel.name)!;
    cleanups.push(() => c.close());
    const stop = new AbortController();
    const sending = c.send(message, 'd-1', stop.signal).then(() => null, (e: unknown) => e as Error);
    await silent.connected;
    stop.abort();
    // Without the abort this would wait for the 60 s timeout and the test would time out.
    expect((await sending)?.message).toBe(`${channel.name}: the send was interrupted because Evidentia is stopping`);
    await silent.closed;
  }, 10_000);
});
