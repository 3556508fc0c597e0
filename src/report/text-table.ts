/** A plain-text table for terminals and logs; no colours, so it reads the same when piped. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[], opts: { maxWidth?: number[] } = {}): string {
  const clip = (s: string, i: number) => {
    const max = opts.maxWidth?.[i];
    return max !== undefined && s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
  };
  const all = [headers, ...rows].map((r) => r.map((c, i) => clip(c.replace(/\s+/g, ' '), i)));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(all[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}
