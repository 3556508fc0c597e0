import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../../src/core/errors.ts';
import { aiCatalogFile } from './catalog-schema.ts';
import type { AiCatalog } from './catalog-schema.ts';
import { aiCatalogList } from './catalog-list.ts';

/**
 * Parses the text of an AI app catalog file (no file system: see read-ai-catalog.ts). A mistake is
 * one ConfigError naming the file, the entry (index and id) and the key, e.g.
 * `my-ai-apps.yaml: apps[3] (id "otter").match.domains[0]: expected a lower-case host name …`.
 */
export function loadAiCatalog(text: string, source = 'ai-apps.yaml'): AiCatalog {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const at = err.linePos?.[0];
    throw new ConfigError('', `${source}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML (${err.code}: ${err.message.split('\n')[0]})`);
  }
  const file = aiCatalogFile.safeParse(doc.toJS() ?? [], { reportInput: true });
  if (!file.success) throw new ConfigError(source, 'expected `apps:` with a list of apps (or a bare list of apps)');
  const raw = Array.isArray(file.data) ? file.data : file.data.apps;
  const parsed = aiCatalogList.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw catalogError(source, raw, parsed.error);
  return Object.freeze(parsed.data.map((e) => Object.freeze(e)));
}

function catalogError(source: string, raw: readonly unknown[], error: z.ZodError): ConfigError {
  const issue = error.issues[0]!;
  const [index, ...rest] = issue.path;
  if (typeof index !== 'number') return new ConfigError(source, issue.message);
  const id = (raw[index] as { id?: unknown } | undefined)?.id;
  const where = `apps[${index}]${typeof id === 'string' ? ` (id "${id}")` : ''}${rest.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
  return new ConfigError(`${source}: ${where}`, describe(issue));
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type') return issue.input === undefined ? `is required (expected ${issue.expected})` : `expected ${issue.expected}, got ${JSON.stringify(issue.input)}`;
  if (issue.code === 'invalid_value') return `${issue.message}, got ${JSON.stringify(issue.input)}`;
  return issue.message;
}
