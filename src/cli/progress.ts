import type { CollectEvent } from '../collect/run-collection.ts';

const STATUS_MARK: Record<string, string> = { complete: '✓', not_applicable: '–', disabled: '–', partial: '!', failed: '✗' };

/**
 * Collection progress on stderr (stdout stays clean for results and --json). On a terminal one
 * status line is rewritten as pages arrive; piped output gets one line per finished stream.
 */
export function createProgress(out: NodeJS.WriteStream = process.stderr): (e: CollectEvent) => void {
  const active = new Map<string, { pages: number; records: number }>();
  const tty = out.isTTY === true;
  const clear = () => tty && out.write('\r\x1b[K');
  const status = () => {
    if (!tty || active.size === 0) return;
    const parts = [...active].map(([k, v]) => `${k} ${v.pages}p/${v.records}r`);
    out.write(`\r\x1b[K  reading ${parts.join(', ')}`.slice(0, (out.columns ?? 120) + 4));
  };
  return (e) => {
    switch (e.type) {
      case 'run_started':
        out.write(`Collecting evidence for ${e.org} (run ${e.runId})\n`);
        break;
      case 'stream_started':
        active.set(`${e.instance}/${e.stream}`, { pages: 0, records: 0 });
        status();
        break;
      case 'page':
        active.set(`${e.instance}/${e.stream}`, { pages: e.pages, records: e.records });
        status();
        break;
      case 'stream_finished': {
        const o = e.outcome;
        active.delete(`${o.instance}/${o.stream}`);
        clear();
        const why = o.failures[0] ? ` — ${o.failures[0].kind}: ${o.failures[0].detail}` : o.note ? ` — ${o.note}` : '';
        out.write(`  ${STATUS_MARK[o.status] ?? '?'} ${o.instance}/${o.stream}: ${o.status}, ${o.pages} page${o.pages === 1 ? '' : 's'}, ${o.records} record${o.records === 1 ? '' : 's'}${why}\n`);
        status();
        break;
      }
      case 'run_finished':
        clear();
        out.write(`Run ${e.run.id} ${e.run.status}: ${e.run.pageCount} pages, ${e.run.entityCount} records, manifest ${e.run.manifestHash?.slice(0, 16) ?? '—'}…\n`);
        break;
    }
  };
}
