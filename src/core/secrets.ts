import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AgentError } from './errors.ts';

/**
 * Secrets are never written in the config file itself: the config names where to read them.
 * `{ env: NAME }` reads an environment variable; `{ file: path }` reads a file (Docker/K8s secrets).
 */
export const secretRef = z.union([
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof secretRef>;

export interface SecretResolver {
  /** Reads the secret; `label` names it in errors (e.g. `m365-main client secret`). */
  resolve(ref: SecretRef, label: string): Promise<string>;
}

/** Keeps every resolved value so the logger and exporters can scrub it wherever it appears. */
export class SecretRegistry implements SecretResolver {
  readonly #values = new Set<string>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async resolve(ref: SecretRef, label: string): Promise<string> {
    let value: string | undefined;
    if ('env' in ref) {
      value = this.env[ref.env];
      if (value === undefined || value === '') {
        throw new AgentError('secret_missing', `${label}: environment variable ${ref.env} is not set; export it before running`);
      }
    } else {
      try {
        value = (await readFile(ref.file, 'utf8')).trim();
      } catch (e) {
        throw new AgentError('secret_missing', `${label}: cannot read secret file ${ref.file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
      }
      if (value === '') throw new AgentError('secret_missing', `${label}: secret file ${ref.file} is empty`);
    }
    this.remember(value);
    return value;
  }

  /**
   * Adds a value to scrub: resolved secrets, and anything derived from them. A JSON secret (a
   * Google service-account key) also registers its private parts, which appear on their own in
   * error messages far more often than the whole file does.
   */
  remember(value: string): void {
    this.#values.add(value);
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed && typeof parsed === 'object') {
        for (const k of ['private_key', 'private_key_id', 'client_secret', 'refresh_token']) {
          const part = (parsed as Record<string, unknown>)[k];
          if (typeof part === 'string') this.#values.add(part);
        }
      }
    } catch {
      // not JSON: the value itself is registered
    }
  }

  /**
   * Values shorter than 6 characters are not scrubbed: they would match ordinary text. Each value
   * is also scrubbed in its JSON-escaped form, since log lines are JSON (`"` and `\` and newlines
   * inside a secret are escaped there).
   */
  scrub(text: string): string {
    let out = text;
    for (const v of this.#values) {
      if (v.length < 6) continue;
      out = out.split(v).join('[REDACTED]');
      const escaped = JSON.stringify(v).slice(1, -1);
      if (escaped !== v) out = out.split(escaped).join('[REDACTED]');
    }
    return out;
  }
}
