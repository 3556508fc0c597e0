/**
 * Orders strings by UTF-16 code unit, not by locale: results, inventories and exports sort the same
 * on every machine (`localeCompare` follows the machine's ICU data and locale).
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
