import { afterEach, describe, expect, it } from 'vitest';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { generateBambooHr } from '../../fixtures/bamboohr/index.ts';
import { DEFAULT_BUDGETS } from '../../src/http/pacer.ts';
import { BAMBOOHR_FAMILY } from './bamboo-call.ts';
import { REPORT_FIELDS } from './map-employees.ts';
import { closeDoubles, configFor, demoCompany, readEmployees, startDouble } from './bamboo-test-harness.ts';

afterEach(closeDoubles);

describe('the demo company', () => {
  it('reads everyone, former employees included, from one custom report request', async () => {
    const d = await startDouble();
    const r = await readEmployees(d);
    const { scenario } = demoCompany();
    expect(r.outcome).toMatchObject({ status: 'complete', pages: 1, records: scenario.counts.employees, failures: [] });
    expect(d.requests).toHaveLength(1);
    expect(d.requests[0]).toMatchObject({
      method: 'POST',
      path: `/api/gateway.php/${scenario.subdomain}/v1/reports/custom`,
      query: { format: 'JSON', onlyCurrent: 'false' },
      fields: [...REPORT_FIELDS],
      status: 200,
      hadAuth: true,
    });
    expect(r.people.filter((p) => p.status === 'terminated').map((p) => p.key)).toEqual(scenario.inactive.map((x) => x.id));
  });

  it('keeps the response byte for byte, and never puts the API key in a page or a log line', async () => {
    const d = await startDouble();
    const r = await readEmployees(d);
    const page = r.pages[0]!;
    expect(JSON.parse(page.body)).toMatchObject({ title: 'Evidentia: people and leave dates', fields: expect.any(Array), employees: expect.any(Array) });
    expect(page.request).toEqual({ method: 'POST', url: `${d.apiBase}/reports/custom?format=JSON&onlyCurrent=false` });
    const basic = Buffer.from(`${d.apiKey}:x`).toString('base64');
    for (const text of [page.body, page.request.url, ...r.logLines]) {
      expect(text).not.toContain(d.apiKey);
      expect(text).not.toContain(basic);
    }
  });

  it('maps the leaver, the scheduled leaver, the future hire and HR-only people', async () => {
    const d = await startDouble();
    const { people } = await readEmployees(d);
    const { scenario } = demoCompany();
    const byId = new Map(people.map((p) => [p.key, p]));
    // Last working day 2026-11-19 (Entra: 03:00 UTC that day) → left at 00:00 UTC on the 20th.
    expect(byId.get(scenario.leaver!.id)).toMatchObject({ status: 'terminated', employeeId: 'E10016', email: 'henrietta.mueller@contoso.com', leaveDate: '2026-11-20T00:00:00.000Z' });
    expect(byId.get(scenario.scheduledLeaver!.id)).toMatchObject({ status: 'active', leaveDate: '2026-11-28T00:00:00.000Z' });
    expect(people.filter((p) => p.status === 'future').map((p) => p.key)).toEqual(scenario.futureHires.map((f) => f.id));
    const hrOnly = scenario.hrOnly.map((h) => byId.get(h.id)!);
    expect(hrOnly.map((p) => [p.email, p.displayName])).toEqual([
      ['zoe.nunez@contoso.com', 'Zoe\u0308 Nu\u0301n\u0303ez-Åkesson (ゾエ)'],
      [null, "Sam O'Brien, Jr."],
    ]);
  });

  it('dates leaves in the configured time zone', async () => {
    const d = await startDouble();
    const { people } = await readEmployees(d, { config: configFor(d, { timezone: 'America/New_York' }) });
    const leaver = people.find((p) => p.key === demoCompany().scenario.leaver!.id)!;
    expect(leaver.leaveDate).toBe('2026-11-20T05:00:00.000Z');
  });

  it('custom reports are not paged: a 1,000-user company is still one request and one page', async () => {
    const big = generateBambooHr({ m365: generateTenant({ users: 1000 }) });
    const d = await startDouble({ company: big });
    const r = await readEmployees(d);
    expect(d.requests).toHaveLength(1);
    expect(r.outcome).toMatchObject({ status: 'complete', pages: 1, records: big.scenario.counts.employees });
    expect(big.scenario.counts.inactive).toBeGreaterThan(10);
  });

  it('paces in its own "bamboohr" family', async () => {
    const d = await startDouble();
    const r = await readEmployees(d);
    expect(Object.keys(r.http.stats.snapshot())).toEqual([BAMBOOHR_FAMILY]);
  });
});
