import { userInfo } from 'node:os';
import type { CheckItem, ConnectorContext } from '../../src/core/connector.ts';
import { describeError } from '../../src/core/errors.ts';
import type { HrCsvConfig } from './config-schema.ts';
import { detectDelimiter, parseCsv } from './csv-parse.ts';
import { FILE_READ } from './permissions.ts';
import { readRosterFile } from './read-roster.ts';
import { resolveHeader } from './roster-header.ts';

/** The header row is checked too: a renamed column would otherwise only show up at collection. */
export const COLUMNS_ITEM = 'roster columns';

/** Opens the file and reads its header; rows are not mapped (that is collection). */
export async function checkHrCsv(ctx: ConnectorContext<HrCsvConfig>): Promise<CheckItem[]> {
  const credentials: CheckItem = { name: 'credentials', status: 'ok', detail: `none needed: the file is read as the local user ${currentUser()}` };
  let text: string;
  try {
    const file = await readRosterFile(ctx.config.file, ctx.config.maxFileBytes);
    text = file.text;
    credentials.detail += `; ${file.bytes} bytes read from ${file.path}`;
  } catch (e) {
    return [credentials, { name: FILE_READ, status: 'failed', detail: describeError(e) }, { name: COLUMNS_ITEM, status: 'not_checked', detail: 'the file could not be read' }];
  }
  const delimiter = ctx.config.delimiter === 'auto' ? detectDelimiter(text) : ctx.config.delimiter;
  const header = parseCsv(text.slice(0, headerEnd(text)), delimiter).records[0];
  const resolved = header ? resolveHeader(header.fields, ctx.config.columns) : { error: 'the file has no header row' };
  const columns: CheckItem =
    'error' in resolved
      ? { name: COLUMNS_ITEM, status: 'failed', detail: resolved.error }
      : { name: COLUMNS_ITEM, status: 'ok', detail: `header found with delimiter ${JSON.stringify(delimiter)}: ${resolved.header.names.join(', ')}` };
  return [credentials, { name: FILE_READ, status: 'ok', detail: 'the roster file is readable and valid UTF-8' }, columns];
}

/** Where the header row ends (a quoted header cell may hold a line break, so count quotes). */
function headerEnd(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) return i;
  }
  return text.length;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}
