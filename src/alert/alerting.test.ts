import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/agent-config.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { createLogger } from '../core/logger.ts';
import type { Entity } from '../core/model.ts';
import { SecretRegistry } from '../core/secrets.ts';
import type { StreamOutcome } from '../core/stream-outcome.ts';
import { evaluateStoredRun } from '../evaluate/evaluate-run.ts';
import { createAccount, createMfa, createOutcome, createRoleAssignment } from '../evaluate/test-factories.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { openSqliteAlertStore } from '../store/sqlite/alert-store.ts';
import { allRules } from '../../rules/index.ts';
import { startHttpReceiver } from '../../test/support/alert-receivers.ts';
import type { HttpReceiver } from '../../test/support/alert-receivers.ts';
import { tempStore } from '../../test/support/memory-store.ts';
import { seedRun } from '../../test/support/seed-run.ts';
import { createAlerting } from './create-alerting.ts';
import type { Alerting } from './create-alerting.ts';
import type { AlertMessage } from './alert-message.ts';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const HOUR = 3_600_000;
const URL_TOKEN = 'T0KEN-b7f1c9e2d4a6';
const HMAC_KEY = 'hmac-key-3f9a8b7c6d5e';

interface World {
  entities: Entity[];
  outcomes: StreamOutcome[];
}

/** alice has MFA and is Global Administrator; bob has none: MFA coverage 50 %. */
function world(opts: { bobMfa?: boolean; bobAdmin?: boolean; mfaStream?: StreamOutcome['status'] } = {}): World {
  const entities: Entity[] = [
    createAccount({ username: 'alice@contoso.com' }),
    createAccount({ username: 'bob@contoso.com' }),
    createMfa({ accountKey: 'alice@contoso.com' }),
    createMfa({ accountKey: 'bob@contoso.com', registered: opts.bobMfa === true, methods: [], strongMethods: [] }),
    createRoleAssignment({ principalKey: 'alice@contoso.com' }),
    ...(opts.bobAdmin ? [createRoleAssignment({ principalKey: 'bob@contoso.com', roleId: 'user-admin', roleName: 'User Administrator' })] : []),
  ];
  const mfaStatus = opts.mfaStream ?? 'complete';
  const outcomes = [
    createOutcome({ entity: 'account', stream: 'users' }),
    createOutcome({ entity: 'mfa', stream: 'mfa-registration', status: mfaStatus, failures: mfaStatus === 'failed' ? [{ kind: 'denied', detail: 'Graph answered 403', needs: 'AuditLog.Read.All' }] : [] }),
    createOutcome({ entity: 'role_assignment', stream: 'role-assignments' }),
  ];
  return { entities: mfaStatus === 'failed' ? entities.filter((e) => e.kind !== 'mfa') : entities, outcomes };
}

function configFor(path: string, extra = ''): AgentConfig {
  return parseConfigText(`
store: { path: ${JSON.stringify(path)} }
organisations:
  - id: contoso
    name: Contoso
    connectors: [{ type: m365, id: m365-main }]
alerts:
  channels:
    - { name: hook, type: webhook, url: { env: EV_HOOK_URL }, signingKey: { env: EV_HOOK_KEY } }
    - { name: slack, type: slack, webhookUrl: { env: EV_SLACK_URL } }
${extra}
`);
}

describe('alerting over stored runs', () => {
  let receiver: HttpReceiver;
  let store: EvidenceStore;
  let path: string;
  let cleanup: () => Promise<void>;
  let clock: number;
  let logs: string;
  let secrets: SecretRegistry;
  const open: Alerting[] = [];

  beforeEach(async () => {
    receiver = await startHttpReceiver();
    ({ store, path, cleanup } = await tempStore({ preferTmpfs: true }));
    clock = T0;
    logs = '';
    secrets = new SecretRegistry({ EV_HOOK_URL: receiver.url(`/hook/${URL_TOKEN}`), EV_HOOK_KEY: HMAC_KEY, EV_SLACK_URL: receiver.url(`/services/${URL_TOKEN}`) });
  });
  afterEach(async () => {
    for (const a of open.splice(0)) await a.close();
    await receiver.close();
    await cleanup();
  });

  async function alerting(config: AgentConfig): Promise<Alerting> {
    const destination = new Writable({ write: (chunk, _enc, cb) => ((logs += String(chunk)), cb()) });
    const log = createLogger({ level: 'debug', secrets, destination });
    const a = await createAlerting({ store, alertStore: await openSqliteAlertStore(path), config, secrets, log, now: () => new Date(clock) });
    open.push(a);
    return a;
  }

  async function runAt(a: Alerting, config: AgentConfig, hours: number, w: World) {
    clock = T0 + hours * HOUR;
    const run = await seedRun(store, 'contoso', new Date(clock).toISOString(), w.entities, w.outcomes);
    const evaluation = await evaluateStoredRun(store, run.id, config, allRules, () => new Date(clock));
    const report = await a.afterRun(run, evaluation);
    const delivery = await a.deliverDue();
    return { report, delivery };
  }

  function received(): { channel: 'hook' | 'slack'; message: AlertMessage | null; body: string }[] {
    return receiver.requests.map((r) =>
      r.path.startsWith('/hook/') ? { channel: 'hook', message: (JSON.parse(r.body) as { message: AlertMessage }).message, body: r.body } : { channel: 'slack', message: null, body: r.body },
    );
  }

  it('alerts once per finding, reminds after the interval, keeps open what cannot be judged, and resolves once', async () => {
    const config = configFor(path);
    const a = await alerting(config);

    // Run 1: MFA coverage 50 % overall and in m365-main: two findings, each to both channels.
    const r1 = await runAt(a, config, 0, world());
    expect(r1.report).toMatchObject({ opened: 2, reminded: 0, resolved: 0, enqueued: 4 });
    expect(r1.report.notes.join('\n')).toContain('no earlier run read the role assignments of m365-main');
    expect(r1.delivery).toMatchObject({ delivered: 4, failed: 0 });
    const first = received().filter((x) => x.channel === 'hook').map((x) => x.message!);
    expect(first.map((m) => m.title).sort()).toEqual(['MFA coverage below threshold: MFA coverage in m365-main', 'MFA coverage below threshold: MFA coverage overall']);
    expect(first.every((m) => m.kind === 'alert' && m.severity === 'medium' && m.text.includes('50.0%'))).toBe(true);

    // Run 2, an hour later: same MFA findings (no new alert); bob became User Administrator.
    const r2 = await runAt(a, config, 1, world({ bobAdmin: true }));
    expect(r2.report).toMatchObject({ opened: 1, reminded: 0, resolved: 0 });
    const newAdmin = received().slice(4).filter((x) => x.channel === 'hook').map((x) => x.message!);
    expect(newAdmin).toHaveLength(1);
    expect(newAdmin[0]).toMatchObject({ kind: 'alert', type: 'new_privileged_assignment', severity: 'high' });
    expect(newAdmin[0]!.title).toContain('bob@contoso.com: User Administrator');

    // Run 3, 25 h after the first alert: MFA findings are reminded; the privileged one never is.
    const r3 = await runAt(a, config, 25, world({ bobAdmin: true }));
    expect(r3.report).toMatchObject({ opened: 0, reminded: 2, resolved: 0 });
    // Run 4: the MFA stream failed: MFA cannot be judged, so its findings stay open (no resolve);
    // the connector failing is a finding of its own.
    const r4 = await runAt(a, config, 26, world({ bobAdmin: true, bobMfa: true, mfaStream: 'failed' }));
    expect(r4.report).toMatchObject({ opened: 1, reminded: 0, resolved: 0 });
    // Run 5: bob registered MFA and lost the role; the connector works again: everything resolves, once.
    const r5 = await runAt(a, config, 27, world({ bobMfa: true }));
    expect(r5.report).toMatchObject({ opened: 0, reminded: 0, resolved: 4 });
    const r6 = await runAt(a, config, 28, world({ bobMfa: true }));
    expect(r6.report).toMatchObject({ opened: 0, reminded: 0, resolved: 0, enqueued: 0 });

    const kinds = received().filter((x) => x.channel === 'hook').map((x) => `${x.message!.kind}:${x.message!.type}`);
    expect(kinds.sort()).toEqual(
      [
        'alert:mfa_below_threshold',
        'alert:mfa_below_threshold',
        'alert:new_privileged_assignment',
        'reminder:mfa_below_threshold',
        'reminder:mfa_below_threshold',
        'alert:connector_failed',
        'resolved:mfa_below_threshold',
        'resolved:mfa_below_threshold',
        'resolved:new_privileged_assignment',
        'resolved:connector_failed',
      ].sort(),
    );
    // The same findings went to Slack as Block Kit.
    const slack = received().filter((x) => x.channel === 'slack').map((x) => JSON.parse(x.body) as { text: string; blocks: { type: string }[] });
    expect(slack).toHaveLength(kinds.length);
    expect(slack[0]!.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
  });

  it('judges nothing from an interrupted run: open findings stay open, nothing is sent', async () => {
    const config = configFor(path);
    const a = await alerting(config);
    await runAt(a, config, 0, world());
    const before = receiver.requests.length;
    clock = T0 + 2 * HOUR;
    const begun = await store.beginRun({ org: 'contoso', startedAt: new Date(clock).toISOString(), toolVersion: 'test', configDigest: 'test', trigger: 'test' });
    const interrupted = await store.finishRun(begun.id, { finishedAt: new Date(clock).toISOString(), status: 'interrupted' });
    const report = await a.afterRun(interrupted, null);
    expect(report.skipped).toContain(`run ${begun.id} was interrupted`);
    expect(report).toMatchObject({ opened: 0, resolved: 0, enqueued: 0 });
    await a.deliverDue();
    expect(receiver.requests).toHaveLength(before);
  });

  it('signs every webhook body with HMAC-SHA256 over the timestamp and the exact body', async () => {
    const config = configFor(path);
    const a = await alerting(config);
    await runAt(a, config, 0, world());
    const hooks = receiver.requests.filter((r) => r.path.startsWith('/hook/'));
    expect(hooks).toHaveLength(2);
    for (const r of hooks) {
      const ts = String(r.headers['x-evidentia-timestamp']);
      expect(Number(ts)).toBe(Math.floor(T0 / 1000));
      const expected = `sha256=${createHmac('sha256', HMAC_KEY).update(`${ts}.${r.body}`).digest('hex')}`;
      expect(r.headers['x-evidentia-signature']).toBe(expected);
      expect((JSON.parse(r.body) as { deliveryId: string }).deliveryId).toBe(r.headers['x-evidentia-delivery']);
    }
    // A body changed in transit no longer matches.
    const tampered = hooks[0]!.body.replace('contoso', 'c0ntoso');
    expect(createHmac('sha256', HMAC_KEY).update(`${hooks[0]!.headers['x-evidentia-timestamp']}.${tampered}`).digest('hex')).not.toBe(String(hooks[0]!.headers['x-evidentia-signature']).slice(7));
  });

  it('loses and duplicates nothing across a restart between enqueue and delivery', async () => {
    const config = configFor(path);
    const a = await alerting(config);
    clock = T0;
    const run = await seedRun(store, 'contoso', new Date(clock).toISOString(), world().entities, world().outcomes);
    const evaluation = await evaluateStoredRun(store, run.id, config, allRules, () => new Date(clock));
    expect((await a.afterRun(run, evaluation)).enqueued).toBe(4);
    // "Crash": close before delivering anything.
    await a.close();
    open.splice(open.indexOf(a), 1);
    expect(receiver.requests).toHaveLength(0);

    const b = await alerting(config);
    // The same run handled again after the restart (the hook ran twice) enqueues nothing new.
    expect((await b.afterRun(run, evaluation)).enqueued).toBe(0);
    expect((await b.deliverDue()).delivered).toBe(4);
    expect((await b.deliverDue()).delivered).toBe(0);
    expect(receiver.requests).toHaveLength(4);
    const ids = receiver.requests.filter((r) => r.path.startsWith('/hook/')).map((r) => r.headers['x-evidentia-delivery']);
    expect(new Set(ids).size).toBe(2);
  });

  it('retries a failing receiver with capped exponential backoff, recording every attempt, and keeps secrets out of logs and the database', async () => {
    const config = configFor(path, '  retry: { initialDelay: 30s, maxDelay: 1m, maxAttempts: 5 }\n  routes: [{ channels: [hook] }]');
    const a = await alerting(config);
    // The receiver echoes the URL it was called on in its error, as some proxies do.
    receiver.answers.push({ status: 500, body: `upstream error for /hook/${URL_TOKEN}` }, { status: 503 }, { status: 502 });
    const r1 = await runAt(a, config, 0, world());
    expect(r1.delivery).toMatchObject({ delivered: 0, failed: 2 });
    const alertStore = await openSqliteAlertStore(path);
    try {
      const [row] = await alertStore.listOutbox();
      expect(row!.attempts).toBe(1);
      expect(row!.lastError).toContain('HTTP 500');
      expect(row!.nextAttemptAt).toBe(new Date(T0 + 30_000).toISOString());

      clock = T0 + 29_000;
      expect((await a.deliverDue()).outcomes).toHaveLength(0); // not due yet
      clock = T0 + 30_000;
      expect((await a.deliverDue()).failed).toBe(1); // the other row's 2nd attempt waits 30 s more
      const next = await alertStore.listOutbox();
      expect(next.map((r) => r.nextAttemptAt)).toContain(new Date(T0 + 30_000 + 60_000).toISOString()); // 60 s: doubled
      clock = T0 + 30_000 + 60_000;
      const done = await a.deliverDue();
      expect(done.delivered).toBeGreaterThanOrEqual(1);
      clock = T0 + 10 * 60_000;
      await a.deliverDue();
      const rows = await alertStore.listOutbox();
      expect(rows.every((r) => r.deliveredAt !== null)).toBe(true);
      const attempts = (await Promise.all(rows.map((r) => alertStore.listAttempts(r.id)))).flat();
      expect(attempts.filter((x) => !x.ok)).toHaveLength(3);
      expect(attempts.filter((x) => x.ok)).toHaveLength(2);
    } finally {
      await alertStore.close();
    }
    await a.close();
    open.splice(0);
    const bytes = ['', '-wal'].map((s) => {
      try {
        return readFileSync(path + s).toString('latin1');
      } catch {
        return '';
      }
    });
    for (const secret of [URL_TOKEN, HMAC_KEY]) {
      expect(logs).not.toContain(secret);
      for (const b of bytes) expect(b).not.toContain(secret);
    }
    expect(logs).toContain('[REDACTED]');
    expect(logs).toContain('alert delivery failed; will retry');
  });

  it('gives a message up after its last attempt and says so', async () => {
    const config = configFor(path, '  retry: { initialDelay: 1s, maxDelay: 1s, maxAttempts: 2 }\n  routes: [{ channels: [slack], events: [mfa_below_threshold] }]');
    const a = await alerting(config);
    receiver.answers.push(...Array.from({ length: 10 }, () => ({ status: 404, body: 'no_service' })));
    await runAt(a, config, 0, world());
    clock += 1000;
    const last = await a.deliverDue();
    expect(last).toMatchObject({ failed: 2, gaveUp: 2 });
    expect(last.outcomes[0]!.error).toContain('HTTP 404: no_service');
    clock += 3_600_000;
    expect((await a.deliverDue()).outcomes).toHaveLength(0);
    expect(logs).toContain('alert delivery given up after its last attempt');
  });
});
