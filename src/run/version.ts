import { readFileSync } from 'node:fs';

/** The version stored with every run, read from package.json so it cannot drift. */
export const TOOL_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
