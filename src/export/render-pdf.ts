import { existsSync } from 'node:fs';
import { UsageError } from '../core/errors.ts';
import type { PdfRenderer } from './write-package.ts';

/** Debian's Chromium; never a downloaded browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update'];

/**
 * `--pdf`: prints report.html with the system's Chromium (playwright-core drives it). The page is
 * loaded from a string with every request refused, so printing cannot reach the network.
 */
export function chromiumPdfRenderer(executablePath = CHROMIUM_PATH): PdfRenderer {
  if (!existsSync(executablePath)) {
    throw new UsageError(`--pdf needs Chromium at ${executablePath}, which is not installed (Debian: apt-get install --no-install-recommends chromium); export without --pdf and print report.html from a browser`);
  }
  return async (html) => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({ offline: true, javaScriptEnabled: false });
      await context.route('**/*', (route) => route.abort());
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: 'load' });
      return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '14mm', bottom: '14mm', left: '12mm', right: '12mm' } });
    } finally {
      await browser.close();
    }
  };
}
