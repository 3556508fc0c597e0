import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExportedFixture, HOSTILE_NAME, type ExportedFixture } from './export-test-fixtures.ts';
import { esc } from './html-escape.ts';

describe('report.html', () => {
  let fx: ExportedFixture;
  let html: string;
  beforeAll(async () => {
    fx = await buildExportedFixture();
    html = await readFile(join(fx.out, 'report.html'), 'utf8');
  }, 30_000);
  afterAll(async () => fx.cleanup());

  it('renders a hostile display name as text, never as markup', () => {
    // The fixture's leaver is named `<script>…<img onerror>`: the leaver chart and the failing subjects quote the name.
    expect(html).toContain(esc(HOSTILE_NAME));
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<[^>]*\bonerror\s*=/i);
    expect(esc(HOSTILE_NAME)).toBe('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('is self-contained: no script, no external stylesheet, image or font, and a CSP that forbids loading anything', () => {
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<link\b|<iframe\b|@import|url\((?!#)/i);
    const urls = html.match(/https?:\/\/[^\s"'<)]+/g) ?? [];
    // Only the SVG namespace, which is an identifier, not a request.
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('shows each control, the charts, the exception with approver and expiry, what was not evaluable and the gaps', () => {
    for (const id of ['chart-mfa', 'chart-admins', 'chart-ai', 'chart-leavers']) expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(/<tr data-control="A\.8\.5">/);
    expect(html).toContain('ciso@contoso.com');
    expect(html).toContain('2030-12-31');
    expect(html).toMatch(/id="not-evaluable".*mfa-coverage/s);
    expect(html).toMatch(/id="gaps".*interrupted/s);
    expect(html).toContain('@media print');
  });
});
