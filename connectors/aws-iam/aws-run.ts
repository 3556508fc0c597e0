import type { IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, AssumeRoleCommand } from '@aws-sdk/client-sts';
import { ListAccountsCommand, type Account as OrgAccount } from '@aws-sdk/client-organizations';
import type { ConnectorContext } from '../../src/core/connector.ts';
import type { SecretRef } from '../../src/core/secrets.ts';
import { callAws, type AwsCallContext } from './aws-call.ts';
import { baseCredentials, createClients, type AwsClients, type AwsCredentials } from './aws-clients.ts';
import { AwsCallError } from './aws-errors.ts';
import type { AwsIamConfig } from './config-schema.ts';
import { roleArnFor } from './partitions.ts';
import type { RawResponse } from './raw-capture.ts';
import { fetchCredentialReport, type ReportResult } from './credential-report.ts';
import { fetchAuthorizationDetails, type DetailsResult } from './authorization-details.ts';

/** One AWS account in scope and how to reach it. */
export interface Target {
  accountId: string;
  name: string | null;
  /** `null`: read with the base credentials (they belong to this account). */
  roleArn: string | null;
  externalId?: SecretRef;
  /** `111111111111 (prod)`: how failures name the account. */
  label: string;
}

export interface AccountAccess {
  target: Target;
  iam: IAMClient;
}

export type TargetList = { ok: true; targets: Target[]; discoveryPages: RawResponse[] } | { ok: false; error: AwsCallError };

export interface CallerIdentity {
  accountId: string;
  arn: string;
}

/** Renew an assumed role's session this long before it expires (the SDK's own refresh margin). */
const RENEW_BEFORE_MS = 5 * 60_000;

interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

const label = (accountId: string, name: string | null | undefined) => (name ? `${accountId} (${name})` : accountId);

/**
 * Everything one run of the connector shares between its streams, each made once on first use:
 * the base credentials, the caller identity, the account list, the per-account access (AssumeRole
 * once per account per run, 1-hour sessions), the credential report and the authorization details
 * of each account. The streams run side by side; caching the promises means the report is
 * generated and downloaded once per account however many streams read it.
 */
export class AwsRun {
  readonly cc: AwsCallContext;
  readonly clients: AwsClients;
  #base?: Promise<AwsCredentials>;
  #caller?: Promise<CallerIdentity>;
  #targets?: Promise<TargetList>;
  readonly #access = new Map<string, Promise<AccountAccess>>();
  readonly #reports = new Map<string, Promise<ReportResult>>();
  readonly #details = new Map<string, Promise<DetailsResult>>();

  constructor(readonly ctx: ConnectorContext<AwsIamConfig>) {
    this.cc = { http: ctx.http, signal: ctx.signal, log: ctx.log, now: ctx.now };
    this.clients = createClients(ctx);
  }

  base(): Promise<AwsCredentials> {
    return (this.#base ??= baseCredentials(this.ctx));
  }

  caller(): Promise<CallerIdentity> {
    this.#caller ??= (async () => {
      const sts = this.clients.sts(await this.base());
      const { output } = await callAws(this.cc, () => new GetCallerIdentityCommand({}), (c, s) => sts.send(c, { abortSignal: s }), { action: 'sts:GetCallerIdentity', account: null });
      return { accountId: output.Account ?? '', arn: output.Arn ?? '' };
    })();
    return this.#caller;
  }

  targets(): Promise<TargetList> {
    this.#targets ??= this.#resolveTargets().catch((e: unknown) => {
      if (e instanceof AwsCallError) return { ok: false as const, error: e };
      throw e;
    });
    return this.#targets;
  }

  async #resolveTargets(): Promise<TargetList> {
    const c = this.ctx.config;
    if (!c.discoverAccounts) {
      return { ok: true, discoveryPages: [], targets: c.accounts.map((a) => ({ accountId: a.accountId, name: a.name ?? null, roleArn: a.roleArn ?? null, ...(a.externalId ? { externalId: a.externalId } : {}), label: label(a.accountId, a.name) })) };
    }
    const discovery = c.discoverAccounts;
    const me = await this.caller();
    const orgs = this.clients.organizations(await this.base());
    const accounts: OrgAccount[] = [];
    const pages: RawResponse[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const page = await callAws(this.cc, () => new ListAccountsCommand({ NextToken: token }), (cmd, s) => orgs.send(cmd, { abortSignal: s }), { action: 'organizations:ListAccounts', account: null });
      if (page.raw) pages.push(page.raw);
      accounts.push(...(page.output.Accounts ?? []));
      token = page.output.NextToken;
      if (token !== undefined && seen.has(token)) throw new AwsCallError('organizations:ListAccounts', null, 'truncated', undefined, page.raw?.status, 'the same NextToken came back twice; the account list is incomplete', page.raw);
      if (token !== undefined) seen.add(token);
    } while (token);
    // `State` replaced `Status` in 2025; either says ACTIVE for an account we can read.
    const active = accounts.filter((a) => (a.State ?? a.Status) === 'ACTIVE' && a.Id);
    return {
      ok: true,
      discoveryPages: pages,
      targets: active.map((a) => ({
        accountId: a.Id!,
        name: a.Name ?? null,
        // The credentials' own account is read directly: it needs no role to reach itself.
        roleArn: a.Id === me.accountId ? null : roleArnFor(c.partition, a.Id!, discovery.roleName),
        ...(discovery.externalId && a.Id !== me.accountId ? { externalId: discovery.externalId } : {}),
        label: label(a.Id!, a.Name),
      })),
    };
  }

  access(t: Target): Promise<AccountAccess> {
    let p = this.#access.get(t.accountId);
    if (!p) {
      p = this.#open(t);
      this.#access.set(t.accountId, p);
    }
    return p;
  }

  async #open(t: Target): Promise<AccountAccess> {
    if (t.roleArn === null) {
      const me = await this.caller();
      if (me.accountId !== t.accountId) {
        throw new AwsCallError('sts:AssumeRole', t.label, 'auth', 'NoRoleForAccount', undefined, `the credentials belong to account ${me.accountId}; give account ${t.accountId} a roleArn to assume`, null);
      }
      return { target: t, iam: this.clients.iam(await this.base()) };
    }
    const sts = this.clients.sts(await this.base());
    const externalId = t.externalId ? await this.ctx.secrets.resolve(t.externalId, `${this.ctx.instance} external id for ${t.accountId}`) : undefined;
    const roleArn = t.roleArn;
    const assume = async (): Promise<SessionCredentials> => {
      const { output } = await callAws(
        this.cc,
        () => new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: this.ctx.config.roleSessionName, DurationSeconds: 3600, ...(externalId ? { ExternalId: externalId } : {}) }),
        (cmd, s) => sts.send(cmd, { abortSignal: s }),
        { action: 'sts:AssumeRole', account: t.label },
      );
      const cr = output.Credentials;
      if (!cr?.AccessKeyId || !cr.SecretAccessKey) throw new AwsCallError('sts:AssumeRole', t.label, 'invalid', undefined, 200, 'AssumeRole returned no credentials', null);
      this.ctx.log.debug({ account: t.accountId }, 'assumed audit role');
      return { accessKeyId: cr.AccessKeyId, secretAccessKey: cr.SecretAccessKey, ...(cr.SessionToken ? { sessionToken: cr.SessionToken } : {}), ...(cr.Expiration ? { expiration: cr.Expiration } : {}) };
    };
    // Assumed once up front, so a refused role is this account's recorded failure; then assumed
    // again whenever the session is within RENEW_BEFORE_MS of expiring (by the run's clock): a
    // large account can take longer to read than the one-hour session lasts.
    let session = await assume();
    const credentials = async (): Promise<SessionCredentials> => {
      if (session.expiration && session.expiration.getTime() - this.ctx.now().getTime() < RENEW_BEFORE_MS) session = await assume();
      return session;
    };
    return { target: t, iam: this.clients.iam(credentials) };
  }

  report(a: AccountAccess): Promise<ReportResult> {
    let p = this.#reports.get(a.target.accountId);
    if (!p) {
      p = fetchCredentialReport(this, a);
      this.#reports.set(a.target.accountId, p);
    }
    return p;
  }

  details(a: AccountAccess): Promise<DetailsResult> {
    let p = this.#details.get(a.target.accountId);
    if (!p) {
      p = fetchAuthorizationDetails(this, a);
      this.#details.set(a.target.accountId, p);
    }
    return p;
  }
}
