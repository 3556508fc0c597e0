/** The run inventories (controls.md): builders, the stored shape and the CSV files the export writes. */
export type { RunInventories, InventoryKind, InventoryAvailability } from './inventory-schema.ts';
export { INVENTORY_KINDS, runInventories } from './inventory-schema.ts';
export type { InventoryFile } from './csv-files.ts';
export { inventoryCsvFiles } from './csv-files.ts';
export { buildInventories } from './build-inventories.ts';
