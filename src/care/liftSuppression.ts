// An admin lifts an erased id's suppression (docs/privacy.md): events for it are applied again.
// Given the id itself or the listed `erased:` reference.
import type { Clock } from '../lib/clock.ts'
import { referenceOf } from '../lib/pseudonym.ts'
import type { Actor } from '../store/operational/AuditStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'

export async function liftSuppression(deps: { ops: Pick<OperationalStore, 'suppressions'>; clock: Clock }, input: { idOrReference: string; actor: Actor }): Promise<{ lifted: boolean; reference: string }> {
  const reference = referenceOf(input.idOrReference)
  return { lifted: await deps.ops.suppressions.lift(reference, deps.clock.now(), input.actor), reference }
}
