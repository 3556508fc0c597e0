import type { Page, Stream } from '../../../src/core/connector.ts';
import type { Entity } from '../../../src/core/model.ts';
import type { StreamFailure } from '../../../src/core/stream-outcome.ts';
import type { AccountAccess, AwsRun } from '../aws-run.ts';
import type { AwsIamConfig } from '../config-schema.ts';
import { emailTagOf } from '../map-admin-rights.ts';
import { mapAccessKeys, mapAccount, mapMfa, readRows, type ReportAccount, type UserExtras } from '../map-report.ts';
import type { ReportRow } from '../report-rows.ts';
import { failurePage, pageOf, sourceOf } from './page-of.ts';
import { perAccount } from './per-account.ts';

/**
 * Three streams read the same credential report (a stream yields one entity kind): accounts, MFA
 * and access keys. The report is generated and downloaded once per account per run (cached in
 * `AwsRun`), and each stream stores the same CSV body as its page, so the evidence behind every
 * record is the exact report it came from (the store keeps identical bodies once).
 */
function reportStream(
  run: () => AwsRun,
  id: string,
  entity: 'account' | 'mfa' | 'access_key',
  title: string,
  map: (rows: ReportRow[], a: ReportAccount, access: AccountAccess, run: AwsRun) => Promise<{ entities: Entity[]; failures: StreamFailure[] }>,
): Stream<AwsIamConfig> {
  return {
    id,
    entity,
    title,
    read(ctx) {
      const r = run();
      return perAccount(r, ctx, async function* (access): AsyncGenerator<Page, void, undefined> {
        const report = await r.report(access);
        if (!report.ok) {
          yield failurePage(report.error, ctx.now);
          return;
        }
        const a: ReportAccount = { source: sourceOf(ctx), accountId: access.target.accountId, accountName: access.target.name, label: access.target.label, generatedAt: report.generatedAt };
        const { rows, failures } = readRows(report.parsed, a);
        const mapped = await map(rows, a, access, r);
        yield pageOf(report.raw, mapped.entities, [...(report.stale ? [report.stale] : []), ...failures, ...mapped.failures]);
      }, { withDiscoveryPages: id === 'credential-report' });
    },
  };
}

/**
 * E-mail addresses are not in the report: they come from the users' `email` tags in
 * GetAccountAuthorizationDetails (shared with `admin-rights`). Without them the accounts are still
 * complete, minus one field: the failure is scoped to `email`.
 */
async function extrasFor(r: AwsRun, access: AccountAccess): Promise<{ extras: Map<string, UserExtras>; failures: StreamFailure[] }> {
  const details = await r.details(access);
  const extras = new Map<string, UserExtras>();
  for (const p of details.pages) for (const u of p.output.UserDetailList ?? []) if (u.Arn) extras.set(u.Arn, { userId: u.UserId ?? '', email: emailTagOf(u) });
  const failures: StreamFailure[] = details.error
    ? [{ ...details.error.toFailure(), field: 'email', detail: `e-mail tags of IAM users not read: ${details.error.message}` }]
    : [];
  return { extras, failures };
}

export function credentialReportStream(run: () => AwsRun): Stream<AwsIamConfig> {
  return reportStream(run, 'credential-report', 'account', 'IAM users and root user (credential report)', async (rows, a, access, r) => {
    const { extras, failures } = await extrasFor(r, access);
    return { entities: rows.map((row) => mapAccount(row, a, extras.get(row.arn))), failures };
  });
}

export function mfaStream(run: () => AwsRun): Stream<AwsIamConfig> {
  return reportStream(run, 'mfa', 'mfa', 'MFA devices (credential report mfa_active)', async (rows, a) => ({ entities: rows.map((row) => mapMfa(row, a)), failures: [] }));
}

export function accessKeysStream(run: () => AwsRun): Stream<AwsIamConfig> {
  return reportStream(run, 'access-keys', 'access_key', 'Access keys (credential report)', async (rows, a) => ({ entities: rows.flatMap((row) => mapAccessKeys(row, a)), failures: [] }));
}
