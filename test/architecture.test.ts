import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The layering ARCHITECTURE.md sets, checked on every source file (tests apart): core and the HTTP
 * layer depend on no feature, and a connector sees only core and HTTP. A new connector folder, or a
 * feature's config section, cannot quietly pull the product into core.
 */
const ROOT = new URL('../', import.meta.url);

function sourceFiles(dir: string): string[] {
  return readdirSync(new URL(dir, ROOT), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !/\.(test|contract)\.ts$|test-(harness|fixtures|factories|setup)\.ts$/.test(f))
    .map((f) => `${dir}${f}`);
}

/** The project folders a file's relative imports reach, as `src/<folder>` or a top-level folder. */
function reached(file: string): string[] {
  const text = readFileSync(new URL(file, ROOT), 'utf8');
  const out = new Set<string>();
  for (const m of text.matchAll(/(?:\bfrom|^import) ['"](\.[^'"]+)['"]/gm)) {
    const target = new URL(m[1]!, new URL(file, ROOT)).pathname.slice(ROOT.pathname.length);
    const [top, sub] = target.split('/');
    out.add(top === 'src' ? `src/${sub}` : top!);
  }
  return [...out];
}

describe('layering', () => {
  // Two contracts name a type from next door: a rule is judged on the snapshot view, and a
  // connector's context hands it its HTTP client.
  const allowed: Record<string, string> = { 'src/core/rule.ts': 'src/evaluate', 'src/core/connector.ts': 'src/http' };
  it.each(sourceFiles('src/core/'))('%s depends on core only', (file) => {
    expect(reached(file).filter((d) => d !== 'src/core' && d !== allowed[file])).toEqual([]);
  });

  it.each(sourceFiles('src/http/'))('%s depends on core and http only', (file) => {
    expect(reached(file).filter((d) => d !== 'src/core' && d !== 'src/http')).toEqual([]);
  });

  it.each(sourceFiles('connectors/'))('%s depends on core, http and its own connector only', (file) => {
    expect(reached(file).filter((d) => d !== 'src/core' && d !== 'src/http' && d !== 'connectors')).toEqual([]);
  });
});
