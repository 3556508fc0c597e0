import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { mergeAiCatalogs } from './catalog-list.ts';
import { DEFAULT_AI_CATALOG } from './default-catalog.ts';
import { loadAiCatalog } from './load-catalog.ts';
import { readAiCatalog } from './read-ai-catalog.ts';

const entry = (id: string, match = `{ displayNames: [${id}] }`) => `  - { id: ${id}, name: ${id}, vendor: V, category: assistant, match: ${match} }`;

function errorOf(text: string): string {
  try {
    loadAiCatalog(text, 'mine.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('loadAiCatalog', () => {
  it('reads `apps:` or a bare list, filling defaults', () => {
    const a = loadAiCatalog(`apps:\n${entry('acme-ai')}\n`);
    const b = loadAiCatalog(`${entry('acme-ai')}\n`);
    expect(a).toEqual(b);
    expect(a[0]).toMatchObject({ id: 'acme-ai', reach: [], examples: [], match: { domains: [], publishers: [], displayNames: ['acme-ai'] } });
  });

  it.each([
    [`apps:\n${entry('acme-ai', '{ domains: [https://acme.ai] }')}`, 'mine.yaml: apps[0] (id "acme-ai").match.domains[0]: expected a lower-case host name like "chatgpt.com"'],
    [`apps:\n${entry('acme-ai', "{ displayNamePatterns: ['Acme'] }")}`, 'apps[0] (id "acme-ai").match.displayNamePatterns[0]: pattern "Acme" must be anchored'],
    [`apps:\n${entry('acme-ai', "{ displayNamePatterns: ['^Acme($'] }")}`, 'is not a valid regular expression'],
    [`apps:\n${entry('acme-ai', '{ }')}`, 'apps[0] (id "acme-ai").match: needs at least one way to recognise the app'],
    [`apps:\n${entry('acme-ai', '{ names: [x] }')}`, 'apps[0] (id "acme-ai").match: unknown key "names"'],
    [`apps:\n${entry('a')}\n${entry('b')}\n  - { id: a, name: x, vendor: V, category: assistant, match: { displayNames: [x] } }`, 'apps[2] (id "a").id: "a" is already used by entry 0'],
    [`apps:\n  - { id: Acme, name: x, vendor: V, category: assistant, match: { displayNames: [x] } }`, 'apps[0] (id "Acme").id: expected lower-case letters'],
    [`apps:\n  - { id: acme, name: x, vendor: V, category: toys, match: { displayNames: [x] } }`, 'apps[0] (id "acme").category:'],
    [`apps:\n  - { id: acme, vendor: V, category: assistant, match: { displayNames: [x] } }`, 'apps[0] (id "acme").name: is required'],
    [`apps:\n  - { id: acme, name: Acme, vendor: V, category: assistant, match: { displayNames: [Acme] }, examples: [Acme Pro] }`, 'apps[0] (id "acme").examples[0]: "Acme Pro" is not recognised by this entry'],
    [`apps:\n${entry('first', "{ displayNamePatterns: ['^Acme( .*)?$'] }")}\n  - { id: second, name: Acme Pro, vendor: V, category: assistant, match: { displayNamePatterns: ['^Acme Pro$'] }, examples: [Acme Pro] }`, 'apps[1] (id "second").examples[0]: "Acme Pro" is recognised as "first" before this entry'],
    ['apps: [', 'mine.yaml:1:'],
    [`apps:\n  - { id: acme, name: x, vendor: V, category: assistant }`, 'apps[0] (id "acme").match: is required'],
    ['apps: 3', 'mine.yaml: expected `apps:` with a list of apps'],
  ])('rejects a mistake with the entry index, id and key (%#)', (text, message) => {
    expect(errorOf(text)).toContain(message);
  });
});

describe('merging catalogs', () => {
  it('replaces entries by id in place and appends new ones', () => {
    const base = loadAiCatalog(`${entry('a')}\n${entry('b')}\n`);
    const extra = loadAiCatalog(`${entry('b', '{ domains: [b.example] }')}\n${entry('c')}\n`);
    const merged = mergeAiCatalogs(base, extra);
    expect(merged.map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(merged[1]!.match.domains).toEqual(['b.example']);
  });
});

describe('readAiCatalog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ai-catalog-'));

  it('reads the built-in file', () => {
    expect(readAiCatalog()).toEqual(DEFAULT_AI_CATALOG);
  });

  it('merges a person\'s own file over the built-in one by id', () => {
    const file = join(dir, 'my-ai-apps.yaml');
    writeFileSync(file, `# our additions\n${entry('acme-copilot', '{ domains: [copilot.acme.example] }')}\n  - { id: grain, name: Grain, vendor: Grain, category: meeting-notes, match: { domains: [grain.com] } }\n`);
    const catalog = readAiCatalog({ extraFiles: [file] });
    expect(catalog).toHaveLength(DEFAULT_AI_CATALOG.length + 1);
    expect(catalog.at(-1)?.id).toBe('acme-copilot');
    expect(catalog.find((e) => e.id === 'grain')?.match.displayNames).toEqual([]);
  });

  it('names a missing or broken file', () => {
    expect(() => readAiCatalog({ extraFiles: [join(dir, 'nope.yaml')] })).toThrow(/AI app catalog .*nope\.yaml does not exist/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, `${entry('x', '{ domains: [X.COM] }')}\n`);
    expect(() => readAiCatalog({ extraFiles: [bad] })).toThrow(/bad\.yaml: apps\[0\] \(id "x"\)\.match\.domains\[0\]/);
  });
});
