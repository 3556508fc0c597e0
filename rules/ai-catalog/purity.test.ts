import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The rule-purity check of rules/index.test.ts, for this folder: what shadow-ai evaluates with reads
 * only src/core, the snapshot view, zod and other rule modules. The file-reading side (the default
 * catalog read once at module load, the YAML loader, the test helper) is listed apart and must stay
 * out of everything else.
 */
const IO_MODULES = new Set(['default-catalog.ts', 'read-ai-catalog.ts', 'load-catalog.ts', 'app-factories.ts']);
const pure = /^(zod|\.\/[a-z0-9-]+\.ts|\.\.\/[a-z0-9-]+\.ts|\.\.\/\.\.\/src\/core\/[a-z0-9-]+\.ts|\.\.\/\.\.\/src\/evaluate\/snapshot-view\.ts)$/;
const importsOf = (url: URL) => [...readFileSync(url, 'utf8').matchAll(/(?:\bfrom|^import) ['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

describe('ai-catalog imports', () => {
  const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !IO_MODULES.has(f));
  it.each(files)('%s imports only pure modules', (file) => {
    const specifiers = importsOf(new URL(file, import.meta.url));
    expect(specifiers.filter((s) => !pure.test(s))).toEqual([]);
    expect(specifiers.filter((s) => IO_MODULES.has(s.replace('./', '')))).toEqual([]);
  });

  it('shadow-ai.ts reaches the file system only through the default catalog, read once at load', () => {
    const specifiers = importsOf(new URL('../shadow-ai.ts', import.meta.url));
    const outside = specifiers.filter((s) => !/^(zod|\.\/[a-z0-9-]+\.ts|\.\/ai-catalog\/[a-z0-9-]+\.ts|\.\.\/src\/core\/[a-z0-9-]+\.ts|\.\.\/src\/evaluate\/snapshot-view\.ts)$/.test(s));
    expect(outside).toEqual([]);
    expect(specifiers.filter((s) => IO_MODULES.has(s.replace('./ai-catalog/', '')))).toEqual(['./ai-catalog/default-catalog.ts']);
  });
});
