import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { configSchema } from '../../core/config.ts';
import { generateTenant, m365ConfigBlock, startGraphDouble } from '../../../fixtures/m365/index.ts';
import { generateGoogleTenant, startDirectoryDouble } from '../../../fixtures/google-workspace/index.ts';
import { generateRoster } from '../../../fixtures/hr-csv/index.ts';
import { DEV_ACCOUNT_ID, generateAwsOrg, IDENTITY_STORE_ID, PROD_ACCOUNT_ID, startAwsDouble } from '../../../fixtures/aws-iam/index.ts';
import { openApp } from '../../run/app.ts';
import { collectAndEvaluate } from '../../run/pipeline.ts';
import { createProgress } from '../progress.ts';
import { renderResults } from '../../report/results-text.ts';
import { EXIT } from '../exit-codes.ts';

const SECRET_ENV = 'EVIDENTIA_DEMO_CLIENT_SECRET';
const GOOGLE_ENV = 'EVIDENTIA_DEMO_GOOGLE_SA_KEY';
const AWS_ENV = { keyId: 'EVIDENTIA_DEMO_AWS_ACCESS_KEY_ID', secret: 'EVIDENTIA_DEMO_AWS_SECRET_ACCESS_KEY', externalId: 'EVIDENTIA_DEMO_AWS_EXTERNAL_ID' };

function reviewDate(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

export interface DemoOptions {
  users: number;
  dir: string;
  unlicensed: boolean;
  signal: AbortSignal;
  now: () => Date;
  out: NodeJS.WritableStream;
}

/**
 * The whole product on a simulated tenant: a local HTTPS Microsoft Graph double (real SDKs, real
 * TLS, real paging and quirks) is started on 127.0.0.1, collected from, stored and evaluated like
 * a real tenant. Nothing leaves the machine. The store and a matching config stay in `dir`, so
 * `results`, `runs`, `evaluate` and `verify` work on the demo's evidence afterwards.
 */
export async function demoCommand(opts: DemoOptions): Promise<number> {
  const dir = resolve(opts.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tenant = generateTenant({ users: opts.users, now: opts.now() });
  // The HR roster an HR team would export: who works here, who left and when.
  const rosterFile = join(dir, 'roster.csv');
  await writeFile(rosterFile, generateRoster({ m365: tenant }).csv(), { mode: 0o600 });
  const double = await startGraphDouble({ tenant, quirks: opts.unlicensed ? { unlicensed: true } : {} });
  const google = await startDirectoryDouble({ tenant: generateGoogleTenant({ m365: tenant, domain: 'contoso.com' }) });
  const aws = await startAwsDouble({ org: generateAwsOrg({ m365: tenant, now: opts.now() }) });
  try {
    const raw = {
      store: { path: join(dir, 'demo.db') },
      log: { level: 'warn' },
      // The simulated tenant has no quotas; real tenants keep the vendor's budgets.
      http: { pacing: { 'graph-signin': { intervalCap: 100, intervalMs: 1000 }, 'graph-reports': { intervalCap: 100, intervalMs: 1000 } } },
      organisations: [
        {
          id: 'contoso',
          name: 'Contoso (simulated demo tenant)',
          accounts: { breakGlass: tenant.scenario.accounts.breakGlass, service: [`svc-*@${tenant.domain}`], sharedMailbox: ['events@contoso.com', 'recruiting@contoso.com'] },
          // Microsoft 365's initial domain and the company's mail domain are one namespace.
          identity: { domainAliases: { [tenant.domain]: 'contoso.com' }, mappings: [] },
          // The approved-apps register: one AI app approved properly, one approved without an owner.
          approvedApps: [
            { app: 'otter', owner: 'head.of.sales@contoso.com', purpose: 'Meeting notes for sales calls', dataAllowed: 'Calendar and meeting audio of the sales team', approvedBy: 'CISO', reviewDate: reviewDate(opts.now(), 180) },
            { app: 'grammarly', purpose: 'Writing assistance', dataAllowed: 'Text typed in the browser', approvedBy: 'CISO', reviewDate: reviewDate(opts.now(), 90) },
          ],
          connectors: [
            m365ConfigBlock(double, { id: 'm365-demo', secretEnv: SECRET_ENV }),
            {
              type: 'google-workspace',
              id: 'google-demo',
              adminEmail: google.adminEmail,
              serviceAccountKey: { env: GOOGLE_ENV },
              endpoints: { directory: google.rootUrl, token: google.tokenUrl },
            },
            { type: 'hr-csv', id: 'hr-roster', file: rosterFile, timezone: 'UTC' },
            {
              type: 'aws-iam',
              id: 'aws-demo',
              // Static keys only because the simulated AWS has no SSO or instance role to offer;
              // a real deployment uses the SDK's default credential chain.
              credentials: { static: { accessKeyId: { env: AWS_ENV.keyId }, secretAccessKey: { env: AWS_ENV.secret } } },
              accounts: [PROD_ACCOUNT_ID, DEV_ACCOUNT_ID].map((accountId) => ({ accountId, roleArn: aws.roleArn(accountId), externalId: { env: AWS_ENV.externalId } })),
              identityStore: { identityStoreId: IDENTITY_STORE_ID, region: 'us-east-1' },
              endpoints: { iam: aws.endpoint, sts: aws.endpoint, organizations: aws.endpoint, identitystore: aws.endpoint },
            },
          ],
        },
      ],
    };
    const config = configSchema.parse(raw);
    const configFile = join(dir, 'demo.yaml');
    await writeFile(
      configFile,
      `# Written by \`evidentia demo\`. The simulated tenant's endpoints lived only while the demo ran,\n# so \`collect\` fails with this file; results, runs, evaluate and verify work on the stored evidence.\n${stringify(raw)}`,
      { mode: 0o600 },
    );
    const env = { [SECRET_ENV]: double.clientSecret, [GOOGLE_ENV]: google.serviceAccount.json, [AWS_ENV.keyId]: aws.accessKeyId, [AWS_ENV.secret]: aws.secretAccessKey, [AWS_ENV.externalId]: aws.externalId ?? '' };
    const app = await openApp({ config, env, extraCa: double.ca });
    try {
      opts.out.write(`Simulated Microsoft 365 tenant ${tenant.domain}: ${tenant.userCount} users, served by a local Graph test double at ${double.graphBaseUrl}${opts.unlicensed ? ' (no Entra ID P1/P2 licence)' : ''}\n`);
      opts.out.write(`Simulated Google Workspace customer contoso.com: ${google.tenant.userCount} users, served by a local Admin SDK double at ${google.origin}\n`);
      opts.out.write(`Simulated HR roster: ${rosterFile}\n`);
      opts.out.write(`Simulated AWS organisation: accounts ${PROD_ACCOUNT_ID} (prod) and ${DEV_ACCOUNT_ID} (dev), served by a local IAM/STS double at ${aws.endpoint}\n`);
      const { run, evaluation } = await collectAndEvaluate(app, 0, { signal: opts.signal, now: opts.now, trigger: 'demo', onEvent: createProgress() });
      if (!evaluation) return EXIT.interrupted;
      opts.out.write(`\n${renderResults(evaluation.results)}\n`);
      const rel = (p: string) => p.replace(`${process.cwd()}/`, '');
      opts.out.write(
        [
          '',
          `Evidence: run ${run.id} sealed, manifest sha256 ${run.manifestHash}, chained to ${run.previousManifestHash ? `${run.previousManifestHash.slice(0, 16)}…` : 'nothing (first run)'}.`,
          `Stored in ${rel(config.store.path)}. Try:`,
          `  npx evidentia runs -c ${rel(configFile)}`,
          `  npx evidentia results -c ${rel(configFile)} --json`,
          `  npx evidentia evaluate -c ${rel(configFile)} --run ${run.id}     # re-evaluates offline`,
          `  npx evidentia verify -c ${rel(configFile)}                       # recomputes every hash`,
          '',
        ].join('\n'),
      );
      return EXIT.ok;
    } finally {
      await app.close();
    }
  } finally {
    await Promise.all([double.close(), google.close(), aws.close()]);
  }
}
