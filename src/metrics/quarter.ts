/** Calendar quarters in UTC: `2026-Q4`. UTC so a run near midnight counts the same everywhere. */
export function quarterOf(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

/** Start of the quarter (ISO) and of the next one. */
export function quarterBounds(quarter: string): { start: string; end: string } {
  const m = /^(\d{4})-Q([1-4])$/.exec(quarter);
  if (!m) throw new Error(`not a quarter: ${quarter}`);
  const year = Number(m[1]);
  const q = Number(m[2]) - 1;
  return { start: new Date(Date.UTC(year, q * 3, 1)).toISOString(), end: new Date(Date.UTC(year, q * 3 + 3, 1)).toISOString() };
}

/** Every quarter from the one holding `from` to the one holding `to`, inclusive. */
export function quartersBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let q = quarterOf(from);
  const last = quarterOf(to);
  for (let i = 0; q <= last && i < 400; i++) {
    out.push(q);
    q = quarterOf(quarterBounds(q).end);
  }
  return out;
}
