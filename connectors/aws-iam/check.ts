import { GenerateCredentialReportCommand, GetAccountAuthorizationDetailsCommand, GetCredentialReportCommand, type IAMClient } from '@aws-sdk/client-iam';
import { ListUsersCommand } from '@aws-sdk/client-identitystore';
import type { CheckItem, ConnectorContext } from '../../src/core/connector.ts';
import { AgentError, describeError } from '../../src/core/errors.ts';
import { callAws } from './aws-call.ts';
import { AwsCallError } from './aws-errors.ts';
import { AwsRun } from './aws-run.ts';
import type { AwsIamConfig } from './config-schema.ts';

/** Probes per account, each the cheapest call that proves one IAM action (no report is downloaded in full twice). */
const IAM_PROBES: { action: string; probe: (iam: IAMClient, run: AwsRun, account: string) => Promise<unknown> }[] = [
  { action: 'iam:GenerateCredentialReport', probe: (iam, run, account) => callAws(run.cc, () => new GenerateCredentialReportCommand({}), (c, s) => iam.send(c, { abortSignal: s }), { action: 'iam:GenerateCredentialReport', account }) },
  { action: 'iam:GetCredentialReport', probe: (iam, run, account) => callAws(run.cc, () => new GetCredentialReportCommand({}), (c, s) => iam.send(c, { abortSignal: s }), { action: 'iam:GetCredentialReport', account }) },
  { action: 'iam:GetAccountAuthorizationDetails', probe: (iam, run, account) => callAws(run.cc, () => new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], MaxItems: 1 }), (c, s) => iam.send(c, { abortSignal: s }), { action: 'iam:GetAccountAuthorizationDetails', account }) },
];

/** A refusal that still proves the action is allowed: the report simply is not there yet. */
const PERMITTED_CODES = new Set(['ReportInProgress', 'ReportNotPresent', 'ReportExpired']);

/**
 * Credentials first (sts:GetCallerIdentity needs no permission), then the account list
 * (organizations:ListAccounts when discovering), then per account sts:AssumeRole and each IAM
 * action, then identitystore:ListUsers. One item per permission: `ok` only when every account
 * allowed it; the detail names each account that did not.
 */
export async function checkAwsIam(ctx: ConnectorContext<AwsIamConfig>): Promise<CheckItem[]> {
  const run = new AwsRun(ctx);
  const items = new Map<string, CheckItem>();
  const set = (name: string, status: CheckItem['status'], detail: string) => items.set(name, { name, status, detail });
  const allNames = ['iam:GenerateCredentialReport', 'iam:GetCredentialReport', 'iam:GetAccountAuthorizationDetails', 'sts:AssumeRole', 'organizations:ListAccounts', 'identitystore:ListUsers'];
  try {
    const me = await run.caller();
    set('credentials', 'ok', `signed in as ${me.arn} (account ${me.accountId})`);
  } catch (e) {
    set('credentials', 'failed', `could not call sts:GetCallerIdentity: ${describe(e)}`);
    for (const n of allNames) set(n, 'not_checked', 'no usable credentials');
    return [...items.values()];
  }

  if (ctx.config.discoverAccounts) set('organizations:ListAccounts', 'not_checked', 'pending');
  else set('organizations:ListAccounts', 'not_checked', 'not needed: discoverAccounts is off');
  const list = await run.targets();
  if (!list.ok) {
    set('organizations:ListAccounts', 'failed', list.error.message);
    for (const n of allNames.slice(0, 4)) set(n, 'not_checked', 'no account list (organizations:ListAccounts failed)');
  } else {
    if (ctx.config.discoverAccounts) set('organizations:ListAccounts', 'ok', `found ${list.targets.length} active account(s): ${list.targets.map((t) => t.label).join(', ')}`);
    const tally = new Map<string, { ok: string[]; failed: string[] }>();
    const note = (name: string, account: string, problem: string | null) => {
      const t = tally.get(name) ?? { ok: [], failed: [] };
      if (problem === null) t.ok.push(account);
      else t.failed.push(problem);
      tally.set(name, t);
    };
    for (const target of list.targets) {
      let access;
      try {
        access = await run.access(target);
        if (target.roleArn) note('sts:AssumeRole', target.label, null);
      } catch (e) {
        if (!(e instanceof AwsCallError)) throw e;
        note('sts:AssumeRole', target.label, e.message);
        for (const p of IAM_PROBES) note(p.action, target.label, `not checked in ${target.label}: the account could not be reached`);
        continue;
      }
      for (const p of IAM_PROBES) {
        try {
          await p.probe(access.iam, run, target.label);
          note(p.action, target.label, null);
        } catch (e) {
          if (!(e instanceof AwsCallError)) throw e;
          note(p.action, target.label, PERMITTED_CODES.has(e.awsCode ?? '') ? null : e.message);
        }
      }
    }
    for (const name of allNames.slice(0, 4)) {
      const t = tally.get(name);
      if (!t) set(name, 'not_checked', name === 'sts:AssumeRole' ? 'not needed: no account is read through a role' : 'no account in scope');
      else if (t.failed.length > 0) set(name, 'failed', t.failed.join('; '));
      else set(name, 'ok', `allowed in ${t.ok.join(', ')}`);
    }
  }

  const store = ctx.config.identityStore;
  if (!store) set('identitystore:ListUsers', 'not_checked', 'not needed: no identityStore configured');
  else {
    try {
      const client = run.clients.identitystore(await run.base(), store.region);
      await callAws(run.cc, () => new ListUsersCommand({ IdentityStoreId: store.identityStoreId, MaxResults: 1 }), (c, s) => client.send(c, { abortSignal: s }), { action: 'identitystore:ListUsers', account: null });
      set('identitystore:ListUsers', 'ok', `identity store ${store.identityStoreId} in ${store.region} can be listed`);
    } catch (e) {
      set('identitystore:ListUsers', 'failed', describe(e));
    }
  }
  return [...items.values()];
}

function describe(e: unknown): string {
  if (e instanceof AgentError) return e.message;
  return describeError(e).split('\n')[0] ?? 'error';
}
