import type { CheckItem, ConnectorContext } from '../../src/core/connector.ts';
import { describeError } from '../../src/core/errors.ts';
import { lazySession, type BambooResponse } from './bamboo-call.ts';
import { classifyBambooFailure } from './bamboo-errors.ts';
import type { BambooHrConfig } from './config-schema.ts';
import { REPORT_FIELDS } from './map-employees.ts';
import { FIELD_ACCESS } from './permissions.ts';

/**
 * One custom report with the stream's fields, filtered to records changed after tomorrow: it
 * proves the key and shows which fields BambooHR lets the key's user see (the `fields` list),
 * without returning anybody's data.
 */
export async function checkBambooHr(ctx: ConnectorContext<BambooHrConfig>): Promise<CheckItem[]> {
  const tomorrow = new Date(ctx.now().getTime() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let res: BambooResponse;
  try {
    const session = await lazySession(ctx)();
    res = await session.report({ title: 'Evidentia access check', fields: REPORT_FIELDS, filters: { lastChanged: { includeNull: 'no', value: tomorrow } } });
  } catch (e) {
    const detail = describeError(e).split('\n')[0] ?? 'failed';
    return [
      { name: 'credentials', status: 'failed', detail },
      { name: FIELD_ACCESS, status: 'not_checked', detail: 'BambooHR could not be asked' },
    ];
  }
  const where = new URL(res.url).host;
  if (res.status < 200 || res.status >= 300) {
    const failure = classifyBambooFailure(res, ctx.config.subdomain);
    if (failure.kind === 'auth') return [{ name: 'credentials', status: 'failed', detail: failure.detail }, { name: FIELD_ACCESS, status: 'not_checked', detail: 'the API key was refused' }];
    // Rate limits and outages say nothing about the key or its access either way.
    const unknown = failure.kind === 'throttled' || failure.kind === 'transient';
    return [
      { name: 'credentials', status: unknown ? 'not_checked' : 'ok', detail: unknown ? failure.detail : `${where} accepted the API key` },
      { name: FIELD_ACCESS, status: unknown ? 'not_checked' : 'failed', detail: failure.detail },
    ];
  }
  let returned: string[];
  try {
    returned = ((JSON.parse(res.body) as { fields?: { id?: unknown }[] }).fields ?? []).map((f) => String(f.id));
  } catch {
    return [
      { name: 'credentials', status: 'ok', detail: `${where} accepted the API key` },
      { name: FIELD_ACCESS, status: 'not_checked', detail: "BambooHR's answer was not JSON" },
    ];
  }
  const missing = REPORT_FIELDS.filter((f) => !returned.includes(f));
  return [
    { name: 'credentials', status: 'ok', detail: `${where} accepted the API key` },
    missing.length === 0
      ? { name: FIELD_ACCESS, status: 'ok', detail: `a custom report returns every field the connector reads (${REPORT_FIELDS.join(', ')})` }
      : { name: FIELD_ACCESS, status: 'failed', detail: `BambooHR leaves ${missing.join(', ')} out of custom reports for this API key's user; give their access level view access to them` },
  ];
}
