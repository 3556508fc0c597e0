/**
 * How ratios are written everywhere (rule summaries, tables, reports), so one number never reads
 * two ways.
 *
 * `0.875` → `87.5%`: one decimal, rounded DOWN, so a failing 94.96% reads `94.9%`, never a
 * passing-looking `95.0%`. The tiny epsilon undoes float noise (0.57 * 1000 = 569.999…).
 */
export function formatPercent(ratio: number): string {
  return `${(Math.floor(ratio * 1000 + 1e-9) / 10).toFixed(1)}%`;
}

/** Thresholds are written by people (`0.95`), so show them as written: `95%`, `97.5%`. */
export function formatThreshold(threshold: number): string {
  return `${Number((threshold * 100).toFixed(2))}%`;
}
