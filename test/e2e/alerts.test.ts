import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpReceiver } from '../support/alert-receivers.ts';
import type { HttpReceiver } from '../support/alert-receivers.ts';
import { runCli, spawnCli } from '../support/run-cli.ts';
import { until } from '../support/until.ts';
import { verifyWebhook } from '../../src/alert/channels/webhook-signature.ts';

/** `evidentia alerts test` and `evidentia collect` with alerts, as a user runs them: the real bin, a real receiver on 127.0.0.1. */
describe('alerts from the command line', () => {
  let dir: string;
  let receiver: HttpReceiver;
  const KEY = 'cli-hmac-key-2c4e6a8b';
  const TOKEN = 'XoXb-cli-token-1234567890';
  const env = () => ({ HOOK_URL: receiver.url('/hook'), HOOK_KEY: KEY, SLACK_URL: receiver.url(`/services/T1/B1/${TOKEN}`) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-alerts-e2e-'));
    receiver = await startHttpReceiver();
    await writeFile(
      join(dir, 'evidentia.yaml'),
      `store: { path: ./evidence.db }
organisations:
  - id: acme
    name: Acme
    connectors:
      - { type: hr-csv, id: roster, file: ./roster.csv, timezone: UTC }
alerts:
  channels:
    - { name: siem, type: webhook, url: { env: HOOK_URL }, signingKey: { env: HOOK_KEY } }
    - { name: secops, type: slack, webhookUrl: { env: SLACK_URL } }
  routes:
    - { events: [connector_failed], channels: [siem] }
`,
    );
  });
  afterAll(async () => {
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('alerts test reports each channel delivered or failed with the reason, exit 6 when one failed', async () => {
    receiver.requests.length = 0;
    receiver.answers.push({ status: 200 }, { status: 403, body: 'invalid_token' });
    const res = await runCli(['alerts', 'test', '-c', join(dir, 'evidentia.yaml')], { env: env() });
    expect(res.stdout).toMatch(/^delivered {2}siem \(webhook\)$/m);
    expect(res.stdout).toMatch(/^FAILED {5}secops \(slack\): secops: the receiver answered HTTP 403: invalid_token$/m);
    expect(res.code).toBe(6);
    expect(res.stdout + res.stderr).not.toContain(TOKEN);
    const hook = receiver.requests.find((r) => r.path === '/hook')!;
    expect(verifyWebhook(KEY, { signature: String(hook.headers['x-evidentia-signature']), timestamp: String(hook.headers['x-evidentia-timestamp']) }, hook.body, Date.now())).toBe(true);
    expect(JSON.parse(hook.body).message.kind).toBe('test');

    const one = await runCli(['alerts', 'test', '-c', join(dir, 'evidentia.yaml'), '--channel', 'secops'], { env: env() });
    expect(one.code).toBe(0);
    const unknown = await runCli(['alerts', 'test', '-c', join(dir, 'evidentia.yaml'), '--channel', 'nope'], { env: env() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--channel nope: no such channel in alerts.channels; known: siem, secops');
  });

  it('a missing channel secret stops collect before anything is collected (exit 2)', async () => {
    const res = await runCli(['collect', '-c', join(dir, 'evidentia.yaml')], { env: { ...env(), HOOK_KEY: '' } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('alerts.channels[0].signingKey: environment variable HOOK_KEY is not set');
    expect(res.stderr).not.toContain('Collecting evidence');
  });

  it('collect alerts once when a connector fails and once when it recovers', async () => {
    receiver.requests.length = 0;
    const config = join(dir, 'evidentia.yaml');
    const failing = await runCli(['collect', '-c', config], { env: env(), cwd: dir });
    expect(failing.code).toBe(3);
    expect(failing.stderr).toContain('Alerts for acme: 1 new, 0 reminded, 0 resolved; 1 message queued');
    expect(failing.stderr).toContain('Alert delivery: 1 delivered');
    const again = await runCli(['collect', '-c', config], { env: env(), cwd: dir });
    expect(again.code).toBe(3);
    await writeFile(join(dir, 'roster.csv'), 'employee_id,work_email,status,hire_date,termination_date\n1,ann@acme.example,active,2020-01-06,\n');
    const fixed = await runCli(['collect', '-c', config], { env: env(), cwd: dir });
    expect(fixed.stderr).toContain('roster/roster: complete');
    const messages = receiver.requests.map((r) => JSON.parse(r.body).message as { kind: string; type: string; title: string });
    expect(messages.map((m) => `${m.kind} ${m.type}`)).toEqual(['alert connector_failed', 'resolved connector_failed']);
    expect(messages[0]!.title).toBe('Connector failing: roster (hr-csv)');
    expect(receiver.requests.every((r) => r.path === '/hook')).toBe(true);
  });
});

/** Ctrl-C while `collect` is sending: the command stops at once, and the message is sent later under the same id. */
describe('collect interrupted while an alert is being sent', () => {
  let dir: string;
  let receiver: HttpReceiver;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-alerts-cut-'));
    receiver = await startHttpReceiver();
    // No roster file: the connector fails, which alerts. A minute's channel timeout: only the interrupt can end the send sooner.
    await writeFile(
      join(dir, 'evidentia.yaml'),
      `store: { path: ./evidence.db }
organisations:
  - { id: acme, name: Acme, connectors: [{ type: hr-csv, id: roster, file: ./roster.csv, timezone: UTC }] }
alerts:
  channels:
    - { name: siem, type: webhook, url: { env: HOOK_URL }, signingKey: { env: HOOK_KEY }, timeoutMs: 60000 }
`,
    );
  });
  afterAll(async () => {
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 130 without waiting for the receiver, and the next collect sends the message again under the same delivery id', async () => {
    const env = { HOOK_URL: receiver.url('/hook'), HOOK_KEY: 'cut-key-0123456789' };
    receiver.answers.push('hang');
    const cut = spawnCli(['collect', '-c', join(dir, 'evidentia.yaml')], { env, cwd: dir });
    await until('the alert to reach the receiver', () => (receiver.requests.length > 0 ? true : null));
    cut.child.kill('SIGINT');
    const res = await cut.done;
    expect(res.code).toBe(130);
    expect(res.stderr).toContain('Alert delivery: 0 delivered, 1 cut short by the interrupt (sent again under the same delivery id)');

    const next = await runCli(['collect', '-c', join(dir, 'evidentia.yaml')], { env, cwd: dir });
    expect(next.stderr).toContain('Alert delivery: 1 delivered');
    const [first, again] = receiver.requests.map((r) => JSON.parse(r.body) as { deliveryId: string; message: { kind: string; type: string } });
    expect(receiver.requests).toHaveLength(2);
    expect(again!.deliveryId).toBe(first!.deliveryId);
    expect(again!.message).toMatchObject({ kind: 'alert', type: 'connector_failed' });
  }, 30_000);
});
