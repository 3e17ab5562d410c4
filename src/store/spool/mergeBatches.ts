// Several history appends as one: one insert per table for all of them.
import type { HistoryBatch } from '../history/HistoryStore.ts'
import { TABLE_SPECS } from '../history/rows.ts'

export function mergeBatches(batches: readonly HistoryBatch[]): HistoryBatch {
  if (batches.length === 1) return batches[0] as HistoryBatch
  const merged: HistoryBatch = {}
  for (const { batchKey } of TABLE_SPECS) {
    const rows: unknown[] = []
    for (const batch of batches) {
      const some = batch[batchKey]
      if (some !== undefined) for (const row of some) rows.push(row)
    }
    if (rows.length > 0) (merged as Record<string, unknown[]>)[batchKey] = rows
  }
  return merged
}

/** Rows of all tables together. */
export function rowCount(batch: HistoryBatch): number {
  let n = 0
  for (const { batchKey } of TABLE_SPECS) n += batch[batchKey]?.length ?? 0
  return n
}
