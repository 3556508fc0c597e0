import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'selfsigned';
import { stringify } from 'yaml';
import { generateTenant, m365ConfigBlock, startGraphDouble, generateDoubleTls, type GraphDouble } from '../../fixtures/m365/index.ts';
import { generateGoogleTenant, generateServiceAccountKey, startDirectoryDouble, SCOPES, type DirectoryDouble } from '../../fixtures/google-workspace/index.ts';
import { generateAwsOrg, PROD_ACCOUNT_ID, startAwsDouble, type AwsDouble } from '../../fixtures/aws-iam/index.ts';
import { generateBambooHr, startBambooHrDouble, type BambooDouble } from '../../fixtures/bamboohr/index.ts';
import { runCli, type CliResult } from '../support/run-cli.ts';
import { startFaultProxy, type FaultProxy } from '../fault/fault-proxy.ts';

/**
 * Distinctive fake secrets in every credential slot (M365 client secret and certificate key,
 * Google service-account key, AWS secret key and session token, BambooHR API key), a real
 * `evidentia collect` at debug log level through injected failures (401, 403, 500), then a search
 * of stdout, stderr and every byte of the database (with -wal/-shm) for each secret and its obvious
 * transforms, and of every file of the signed export package made from that store. Each vendor sits behind a recording proxy: bearer tokens must reach only the host
 * that issued them. The database files must be owner-only.
 */
const M365_SECRET = 'ev~M365-S3cr3t-CANARY-7f3a9c1e5b';
const AWS_SECRET = 'AwsS3cretCANARY/9x+QwErTyUiOp1234567890ab';
const AWS_SESSION = 'IQoJb3JpZ2luX2VjCANARYsessionTOKEN/abc+def==';
const BAMBOO_KEY = 'bamboo0canary0api0key0f00dfeedbeef0123456789';

let dir: string;
let result: CliResult;
/** `keys init` and `export` after the collect: an auditor's package must hold no secret either. */
let exported: CliResult[] = [];
let graph: GraphDouble;
let google: DirectoryDouble;
let aws: AwsDouble;
let bamboo: BambooDouble;
const proxies: Record<string, FaultProxy> = {};
let certKeyPem: string;
let googleKeyJson: string;
let googlePrivateKey: string;

function m365UserUpn(): string {
  return graph.tenant.user(0).userPrincipalName;
}

/** The secret and what it commonly turns into on its way to a log or a database. */
function transforms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [...new Set([secret, json, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), Buffer.from(secret).toString('hex')])];
}

/** A PEM key is searched by its distinctive body lines (each as written, and JSON-escaped with its neighbour). */
function pemMarkers(pem: string): string[] {
  const lines = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
  return [lines[1]!, lines[Math.floor(lines.length / 2)]!, `${lines[1]}\\n${lines[2]}`];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evidentia-secrets-'));
  const m365Tenant = generateTenant({ users: 40, seed: 21 });
  const app = await generate([{ name: 'commonName', value: 'evidentia-collector' }], { keySize: 2048, algorithm: 'sha256' });
  certKeyPem = app.private;
  const certFile = join(dir, 'collector.pem');
  await writeFile(certFile, `${app.private}\n${app.cert}`, { mode: 0o600 });
  const tls = await generateDoubleTls();
  // Failures on the way: AuditLog denied (403), tokens refused after 3 calls (401 then refresh).
  graph = await startGraphDouble({ tenant: m365Tenant, tls, clientSecret: M365_SECRET, clientCertificatePem: app.cert, quirks: { deniedPermissions: ['AuditLog.Read.All'], expireTokensAfter: 3, pageSizeCap: 10 } });
  const sa = generateServiceAccountKey();
  googleKeyJson = sa.json;
  googlePrivateKey = (JSON.parse(sa.json) as { private_key: string }).private_key;
  google = await startDirectoryDouble({ tenant: generateGoogleTenant({ m365: m365Tenant, domain: 'contoso.com' }), serviceAccount: sa, quirks: { deniedScopes: [SCOPES.userSecurity], serverError: { on: 'roles', times: Infinity, status: 500 } } });
  aws = await startAwsDouble({ org: generateAwsOrg({ m365: m365Tenant }), secretAccessKey: AWS_SECRET, quirks: { deniedActions: ['iam:GetAccountAuthorizationDetails'] } });
  bamboo = await startBambooHrDouble({ company: generateBambooHr({ m365: m365Tenant }), apiKey: BAMBOO_KEY, quirks: { serverError: { times: Infinity, status: 500 } } });

  proxies.graph = await startFaultProxy({ target: graph.graphBaseUrl, tls: { ...tls, ca: graph.ca } });
  proxies.google = await startFaultProxy({ target: new URL(google.rootUrl).origin });
  proxies.aws = await startFaultProxy({ target: aws.endpoint });
  proxies.bamboo = await startFaultProxy({ target: new URL(bamboo.apiBase).origin });

  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, graph.ca);
  const awsEndpoint = proxies.aws.via(aws.endpoint);
  const config = {
    store: { path: 'secrets.db' },
    log: { level: 'debug' },
    http: { caFile, maxAttempts: 2, pacing: { 'graph-signin': { intervalCap: 50, intervalMs: 1000 }, 'graph-reports': { intervalCap: 50, intervalMs: 1000 }, bamboohr: { intervalCap: 50, intervalMs: 1000 } } },
    organisations: [
      {
        id: 'acme',
        name: 'Acme',
        connectors: [
          { ...m365ConfigBlock(graph, { id: 'm365-secret', secretEnv: 'SEC_M365' }), endpoints: { graph: proxies.graph.origin, authority: graph.authorityHost } },
          { ...m365ConfigBlock(graph, { id: 'm365-cert', secretEnv: 'UNUSED' }), auth: { method: 'certificate', certificateFile: certFile }, endpoints: { graph: proxies.graph.origin, authority: graph.authorityHost } },
          { type: 'google-workspace', id: 'google', adminEmail: google.adminEmail, serviceAccountKey: { env: 'SEC_GOOGLE' }, endpoints: { directory: proxies.google.via(google.rootUrl), token: proxies.google.via(google.tokenUrl) } },
          {
            type: 'aws-iam',
            id: 'aws',
            credentials: { static: { accessKeyId: { env: 'SEC_AWS_ID' }, secretAccessKey: { env: 'SEC_AWS_SECRET' }, sessionToken: { env: 'SEC_AWS_SESSION' } } },
            accounts: [{ accountId: PROD_ACCOUNT_ID, roleArn: aws.roleArn(PROD_ACCOUNT_ID), ...(aws.externalId ? { externalId: { env: 'SEC_AWS_EXTERNAL' } } : {}) }],
            endpoints: { iam: awsEndpoint, sts: awsEndpoint, organizations: awsEndpoint, identitystore: awsEndpoint },
          },
          { type: 'bamboohr', id: 'bamboo', subdomain: bamboo.subdomain, apiKey: { env: 'SEC_BAMBOO' }, endpoints: { api: proxies.bamboo.via(bamboo.apiBase) } },
        ],
      },
    ],
  };
  await writeFile(join(dir, 'secrets.yaml'), stringify(config));
  result = await runCli(['collect', '-c', 'secrets.yaml'], {
    cwd: dir,
    env: { SEC_M365: M365_SECRET, SEC_GOOGLE: googleKeyJson, SEC_AWS_ID: aws.accessKeyId, SEC_AWS_SECRET: AWS_SECRET, SEC_AWS_SESSION: AWS_SESSION, SEC_BAMBOO: BAMBOO_KEY, ...(aws.externalId ? { SEC_AWS_EXTERNAL: aws.externalId } : {}) },
  });
  const today = new Date().toISOString().slice(0, 10);
  exported = [
    await runCli(['keys', 'init', '-c', 'secrets.yaml'], { cwd: dir }),
    await runCli(['export', '-c', 'secrets.yaml', '--org', 'acme', '--from', '2020-01-01', '--to', today, '--out', 'audit'], { cwd: dir }),
  ];
}, 180_000);

async function filesBelow(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

afterAll(async () => {
  await Promise.all(Object.values(proxies).map((p) => p.close()));
  await Promise.all([graph?.close(), google?.close(), aws?.close(), bamboo?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('secrets everywhere', () => {
  it('the run happened, at debug level, through the injected failures', () => {
    expect(result.code, result.stderr.slice(-2000)).toBe(3);
    expect(result.stderr).toMatch(/"level":20|DEBUG|debug/);
    const statuses = Object.values(proxies).flatMap((p) => p.requests.map((r) => r.status));
    for (const s of [401, 403, 500]) expect(statuses, `a ${s} was served`).toContain(s);
  });

  it('no secret, in any common transform, is in stdout, stderr or any byte of the database files', async () => {
    const files = (await readdir(dir)).filter((f) => f.startsWith('secrets.db'));
    expect(files).toContain('secrets.db');
    const haystacks: [string, string][] = [
      ['stdout', result.stdout],
      ['stderr', result.stderr],
      ...(await Promise.all(files.map(async (f) => [f, (await readFile(join(dir, f))).toString('latin1')] as [string, string]))),
      ...exported.flatMap((r, i): [string, string][] => [[`export step ${i} stdout`, r.stdout], [`export step ${i} stderr`, r.stderr]]),
      ...(await Promise.all((await filesBelow(join(dir, 'audit'))).map(async (f) => [f, (await readFile(f)).toString('latin1')] as [string, string]))),
    ];
    // The export ran, and its population lists hold tenant data (so the search below means something).
    expect(exported.map((r) => r.code), exported.map((r) => r.stderr).join('\n')).toEqual([0, 0]);
    expect(haystacks.some(([where, text]) => where.endsWith('accounts.csv') && text.includes(m365UserUpn()))).toBe(true);
    // Control: the files are searchable as stored (a user's address from the raw pages is found).
    const upn = m365UserUpn();
    expect(haystacks.some(([where, text]) => where.startsWith('secrets.db') && text.includes(upn)), `control ${upn}`).toBe(true);
    const needles: [string, string[]][] = [
      ['M365 client secret', transforms(M365_SECRET)],
      ['M365 certificate private key', pemMarkers(certKeyPem)],
      ['Google service-account private key', pemMarkers(googlePrivateKey)],
      ['AWS secret access key', transforms(AWS_SECRET)],
      ['AWS session token', transforms(AWS_SESSION)],
      ['BambooHR API key', [...transforms(BAMBOO_KEY), Buffer.from(`${BAMBOO_KEY}:x`).toString('base64')]],
    ];
    for (const [where, text] of haystacks) {
      for (const [what, forms] of needles) {
        for (const form of forms) expect(text.includes(form), `${what} (${form.slice(0, 12)}…) found in ${where}`).toBe(false);
      }
    }
  });

  it('bearer tokens reach only the host that issued them; no secret travels in a header to the APIs', () => {
    const seen = Object.fromEntries(Object.entries(proxies).map(([name, p]) => [name, new Set(p.requests.map((r) => r.authorization).filter((a): a is string => a !== null))]));
    const names = Object.keys(seen);
    for (const a of names) for (const b of names) if (a !== b) for (const v of seen[a]!) expect(seen[b]!.has(v), `${a}'s Authorization also sent to ${b}`).toBe(false);
    expect(seen.graph!.size).toBeGreaterThan(1); // the token was refreshed after the 401
    for (const v of seen.graph!) expect(v).toMatch(/^Bearer /);
    for (const v of seen.google!) expect(v).toMatch(/^Bearer /);
    // The API key travels to BambooHR only (Basic auth is how its API takes it), and to nobody else.
    for (const [name, values] of Object.entries(seen)) if (name !== 'bamboo') for (const v of values) expect(v).not.toContain(Buffer.from(`${BAMBOO_KEY}:x`).toString('base64'));
  });

  it('the database and its -wal/-shm files are owner-only (0600)', async () => {
    for (const f of (await readdir(dir)).filter((x) => x.startsWith('secrets.db'))) {
      expect(((await stat(join(dir, f))).mode & 0o777).toString(8), f).toBe('600');
    }
  });
});
