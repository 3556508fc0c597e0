import type { EntityKind } from '../core/model.ts';
import type { SnapshotView } from '../evaluate/snapshot-view.ts';
import type { InventoryAvailability } from './inventory-schema.ts';

/** One stream kind an inventory reads, and the entity fields it relies on. */
export interface InventoryNeed {
  entity: EntityKind;
  fields?: readonly string[];
  /**
   * The kind exists only in some systems (access keys: AWS; MFA: not in HR): with no stream of it
   * at all nothing is missing. A stream of it that exists but failed still makes the list incomplete.
   */
  optional?: boolean;
}

/**
 * Whether an inventory built from these streams can be read as complete. Reuses the view's own
 * availability (the same judgement rules use), so an inventory and a rule never disagree on
 * whether a stream can be relied on.
 */
export function availabilityOf(view: SnapshotView, needs: readonly InventoryNeed[], extra: readonly string[] = []): InventoryAvailability {
  const reasons: string[] = [];
  for (const need of needs) {
    if (need.optional && !view.outcomes.some((o) => o.entity === need.entity)) continue;
    const a = view.availability(need.entity, need.fields ?? []);
    if (!a.usable) reasons.push(...a.reasons);
  }
  reasons.push(...extra);
  const unique = [...new Set(reasons)];
  return { complete: unique.length === 0, reasons: unique };
}
