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
    this.#values.add(value);
    return value;
  }

  /** Values shorter than 6 characters are not scrubbed: they would match ordinary text. */
  scrub(text: string): string {
    let out = text;
    for (const v of this.#values) if (v.length >= 6) out = out.split(v).join('[REDACTED]');
    return out;
  }
}
