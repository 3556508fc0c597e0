import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsReport } from '../metrics/types.ts';
import { buildExportFixture, type ExportFixture } from './export-test-fixtures.ts';
import { readPackage } from './package-reader.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumPdfRenderer } from './render-pdf.ts';
import type { ExportResults } from './results-format.ts';
import { verifyPackage } from './verify-package.ts';

const hasChromium = existsSync(CHROMIUM_PATH);

// Skipped only where Debian's Chromium is not installed (.ci/run installs it); never downloads a browser.
describe.skipIf(!hasChromium)(`report.html in a real browser (${CHROMIUM_PATH}; skipped when it is not installed)`, () => {
  let fx: ExportFixture;
  let browser: Browser;
  let results: ExportResults & { metrics: MetricsReport };
  const pkg = () => join(fx.dir, 'package');

  beforeAll(async () => {
    fx = await buildExportFixture();
    await fx.exportTo(pkg(), { pdf: chromiumPdfRenderer() });
    results = JSON.parse(await readFile(join(pkg(), 'results.json'), 'utf8')) as typeof results;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await fx?.cleanup();
  });

  it('renders without console errors or network requests, with the charts, and the numbers of results.json', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(join(pkg(), 'report.html')).href;
    await page.goto(url, { waitUntil: 'load' });

    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    for (const id of ['chart-mfa', 'chart-admins', 'chart-ai', 'chart-leavers']) {
      const box = await page.locator(`#${id} svg`).boundingBox();
      expect(box?.width, id).toBeGreaterThan(100);
    }

    // The statement of applicability shows each control's result as results.json has it.
    for (const c of results.controls) {
      const id = c.control.replace('ISO27001:2022/', '');
      await expect.poll(() => page.locator(`tr[data-control="${id}"] td.status`).getAttribute('data-status')).toBe(c.result);
    }
    // Each plotted MFA coverage point is a run's measured value; unmeasured runs are not plotted.
    const plotted = await page.locator('#chart-mfa circle[data-series="overall"]').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-run')), Number(e.getAttribute('data-value'))]));
    expect(plotted).toEqual(results.metrics.runs.filter((r) => r.mfaCoverage !== null).map((r) => [r.runId, r.mfaCoverage]));
    expect(plotted.length).toBeGreaterThan(0);
    expect(plotted.length).toBeLessThan(results.metrics.runs.length);
    expect(await page.locator('#runs-sealed').textContent()).toBe(String(results.runs.length));
    expect(await page.locator('#runs-interrupted').textContent()).toBe(String(results.interruptedRuns.length));
    // Leaver bars: hours as in the metrics.
    const bars = await page.locator('#chart-leavers rect.bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    expect(bars).toEqual(results.metrics.leavers.map((l) => l.value.hours));
    // The hostile display name is text on the page, and did not become an element.
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('body').innerText()).toContain('<script>alert("pwned")</script>');
    await page.close();
  });

  it('--pdf adds report.pdf to the signed package', async () => {
    const pdf = await readFile(join(pkg(), 'report.pdf'));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const report = verifyPackage(await readPackage(pkg()));
    expect(report.ok).toBe(true);
  });
});
