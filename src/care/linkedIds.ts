// A shopper's own id and the anonymous ids merged into them (docs/identity.md): reads of a known
// shopper (timeline, inbox, explain, hand-off) cover what was stored under those ids before the merge.
import { anonymousCustomerId } from '../model/identity.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'

/** Bounds the ids read with a shopper's own: a shared kiosk may have merged many. */
export const MAX_MERGED_IDS = 20

/** The merged anonymous customer ids (`anon:…`), oldest link first. */
export async function mergedIdsOf(ops: Pick<OperationalStore, 'identity'>, customerId: string): Promise<string[]> {
  return (await ops.identity.anonymousIdsOf(customerId)).slice(0, MAX_MERGED_IDS).map(anonymousCustomerId)
}
