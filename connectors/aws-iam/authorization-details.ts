import { GetAccountAuthorizationDetailsCommand, type GetAccountAuthorizationDetailsCommandOutput } from '@aws-sdk/client-iam';
import { callAws } from './aws-call.ts';
import { AwsCallError } from './aws-errors.ts';
import type { AccountAccess, AwsRun } from './aws-run.ts';
import type { RawResponse } from './raw-capture.ts';

export interface DetailsPage {
  raw: RawResponse;
  output: GetAccountAuthorizationDetailsCommandOutput;
}

export interface DetailsResult {
  /** Every page read, in order (also those before a failure). */
  pages: DetailsPage[];
  /** Why reading stopped early; `null` when every page was read. */
  error: AwsCallError | null;
}

/** IAM's maximum page size; IAM may still return fewer items with IsTruncated. */
const MAX_ITEMS = 1000;

/**
 * Every page of GetAccountAuthorizationDetails for users, groups and customer-managed policies
 * (roles and AWS-managed policy documents are not needed: AWS-managed policies are judged by name).
 * Follows `Marker` while `IsTruncated`; no page cap. A marker seen twice stops with `truncated`
 * rather than looping.
 */
export async function fetchAuthorizationDetails(run: AwsRun, a: AccountAccess): Promise<DetailsResult> {
  const pages: DetailsPage[] = [];
  const seen = new Set<string>();
  let marker: string | undefined;
  const account = a.target.label;
  try {
    do {
      const m = marker;
      const { output, raw } = await callAws(
        run.cc,
        () => new GetAccountAuthorizationDetailsCommand({ Filter: ['User', 'Group', 'LocalManagedPolicy'], MaxItems: MAX_ITEMS, ...(m ? { Marker: m } : {}) }),
        (c, s) => a.iam.send(c, { abortSignal: s }),
        { action: 'iam:GetAccountAuthorizationDetails', account },
      );
      pages.push({ raw: raw ?? { method: 'POST', url: 'GetAccountAuthorizationDetails', status: 200, contentType: null, body: '', receivedAt: run.ctx.now().toISOString() }, output });
      marker = output.IsTruncated ? output.Marker : undefined;
      if (output.IsTruncated && !marker) {
        return { pages, error: new AwsCallError('iam:GetAccountAuthorizationDetails', account, 'truncated', undefined, raw?.status, `page ${pages.length} said IsTruncated without a Marker; later pages could not be read`, null) };
      }
      if (marker !== undefined && seen.has(marker)) {
        return { pages, error: new AwsCallError('iam:GetAccountAuthorizationDetails', account, 'truncated', undefined, raw?.status, `page ${pages.length} repeated a Marker; paging stopped to avoid a loop`, null) };
      }
      if (marker !== undefined) seen.add(marker);
    } while (marker !== undefined);
    return { pages, error: null };
  } catch (e) {
    if (e instanceof AwsCallError) return { pages, error: e };
    throw e;
  }
}
