import { z } from 'zod';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30s`, `15m`, `24h`, `7d` in config; milliseconds in code. */
export const duration = z
  .string()
  .regex(/^[1-9]\d*[smhd]$/, 'a duration like 30s, 15m, 24h or 7d')
  .transform((s) => Number(s.slice(0, -1)) * UNIT_MS[s.slice(-1) as keyof typeof UNIT_MS]);
