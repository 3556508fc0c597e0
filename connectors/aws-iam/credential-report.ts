import { GenerateCredentialReportCommand, GetCredentialReportCommand } from '@aws-sdk/client-iam';
import type { StreamFailure } from '../../src/core/stream-outcome.ts';
import { callAws } from './aws-call.ts';
import { AwsCallError } from './aws-errors.ts';
import type { AccountAccess, AwsRun } from './aws-run.ts';
import type { RawResponse } from './raw-capture.ts';
import { parseCredentialReport, type ParsedReport } from './report-csv.ts';

export type ReportResult =
  | {
      ok: true;
      /**
       * The report as a page: AWS's response exactly as received (XML with the base64 `Content`,
       * `GeneratedTime` and `ReportFormat`), so the time that decides staleness is in the evidence.
       * The entities come from the decoded CSV.
       */
      raw: RawResponse;
      generatedAt: string;
      parsed: ParsedReport;
      /** Set when the report is older than `credentialReportMaxAgeHours`; every stream reading it records it. */
      stale: StreamFailure | null;
    }
  | { ok: false; error: AwsCallError };

/** Waits between polls, in seconds: quick first (small accounts finish in seconds), then every 15 s. */
const POLL_DELAYS_S = [1, 2, 4, 8, 15];

/**
 * Generate → poll → get, within `credentialReportWaitSeconds` of waiting (through `ctx.http.sleep`,
 * so tests do not wait). GenerateCredentialReport answers STARTED/INPROGRESS until the report is
 * ready, then COMPLETE; IAM then serves the report for 4 hours without regenerating. A Get that says
 * `ReportInProgress` waits and tries again; `ReportNotPresent`/`ReportExpired` (the report vanished
 * between the two calls) generates again. Any other refusal ends the account's report with that
 * failure. Both calls go through our retry loop for throttling and 5xx.
 */
export async function fetchCredentialReport(run: AwsRun, a: AccountAccess): Promise<ReportResult> {
  const { cc, ctx } = run;
  const account = a.target.label;
  let waited = 0;
  let polls = 0;
  let lastState = 'none';
  for (;;) {
    try {
      const gen = await callAws(cc, () => new GenerateCredentialReportCommand({}), (c, s) => a.iam.send(c, { abortSignal: s }), { action: 'iam:GenerateCredentialReport', account });
      lastState = gen.output.State ?? 'unknown';
      if (lastState === 'COMPLETE') {
        const got = await callAws(cc, () => new GetCredentialReportCommand({}), (c, s) => a.iam.send(c, { abortSignal: s }), { action: 'iam:GetCredentialReport', account });
        return toResult(run, a, got.output, got.raw);
      }
    } catch (e) {
      // Anything but an AWS answer (an abort, a bug) is not the report's failure: let it through.
      if (!(e instanceof AwsCallError)) throw e;
      if (!['ReportInProgress', 'ReportNotPresent', 'ReportExpired'].includes(e.awsCode ?? '')) return { ok: false, error: e };
      lastState = e.awsCode!;
    }
    const delay = POLL_DELAYS_S[Math.min(polls, POLL_DELAYS_S.length - 1)]!;
    if (waited + delay > ctx.config.credentialReportWaitSeconds) {
      return {
        ok: false,
        error: new AwsCallError('iam:GetCredentialReport', account, 'transient', 'ReportNotReady', undefined, `the credential report was not ready after ${waited} s of waiting (last state ${lastState}); raise credentialReportWaitSeconds for large accounts`, null),
      };
    }
    polls++;
    waited += delay;
    await ctx.http.sleep(delay * 1000, ctx.signal);
  }
}

function toResult(run: AwsRun, a: AccountAccess, out: { Content?: Uint8Array; GeneratedTime?: Date; ReportFormat?: string }, raw: RawResponse | null): ReportResult {
  const { ctx } = run;
  const account = a.target.label;
  // SDK v3 has already base64-decoded `Content`: it is the CSV's bytes.
  const csv = new TextDecoder('utf-8').decode(out.Content ?? new Uint8Array());
  const generatedAt = out.GeneratedTime && !Number.isNaN(out.GeneratedTime.getTime()) ? out.GeneratedTime.toISOString() : null;
  if (generatedAt === null || csv.length === 0) {
    return { ok: false, error: new AwsCallError('iam:GetCredentialReport', account, 'invalid', undefined, raw?.status, `the credential report came back ${csv.length === 0 ? 'empty' : 'without a GeneratedTime'}`, raw) };
  }
  // The capture middleware always sees the response; without it there is nothing true to store.
  if (raw === null) {
    return { ok: false, error: new AwsCallError('iam:GetCredentialReport', account, 'invalid', undefined, undefined, 'the credential report response could not be captured as evidence', null) };
  }
  const page = raw;
  const ageMs = ctx.now().getTime() - Date.parse(generatedAt);
  const maxMs = ctx.config.credentialReportMaxAgeHours * 3_600_000;
  // `transient`: nothing is wrong with permissions or data, the snapshot is just old, and IAM
  // builds a fresh one once the last is 4 hours old, so a later run clears it. The rows are still
  // stored (evidence of what AWS served), but the stream is partial, so rules are not evaluable.
  const stale: StreamFailure | null =
    ageMs > maxMs
      ? { kind: 'transient', detail: `the credential report of account ${account} was generated at ${generatedAt}, ${(ageMs / 3_600_000).toFixed(1)} h before this run, older than credentialReportMaxAgeHours (${ctx.config.credentialReportMaxAgeHours} h); its rows are kept but not relied on` }
      : null;
  return { ok: true, raw: page, generatedAt, parsed: parseCredentialReport(csv), stale };
}
