// Erasure on request (docs/privacy.md): the shopper and the anonymous ids merged into them leave
// every store, and their ids are suppressed so no later event brings them back. The operational
// store and the mail folder are erased at once; the history store's deletions are mutations that
// finish in the background, so the request's status says when every store is done.
import { randomUUID } from 'node:crypto'
import { erasePickupMail } from '../channels/email/pickup.ts'
import type { Clock } from '../lib/clock.ts'
import { erasedReference } from '../lib/pseudonym.ts'
import { anonymousIdOf } from '../model/identity.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { Actor } from '../store/operational/AuditStore.ts'
import type { ErasureRecord } from '../store/operational/ErasureStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { erasureStatus } from './erasureStatus.ts'
import { linkedCustomerIds } from './exportCustomer.ts'

export interface EraseDeps {
  ops: OperationalStore
  history: Pick<HistoryStore, 'eraseCustomers' | 'pendingErasures'>
  clock: Clock
  /** The email pickup folder (.eml files); absent = none to clean. */
  mailPickupDir?: string | undefined
  /** Drops cached customer states (the engine's), so nothing erased is written back. */
  onErased?: (() => void | Promise<void>) | undefined
}

/** Profile traits that name or reach a person: looked for in dead letters, audit details, mail. */
const PERSONAL_TRAITS = ['email', 'phone', 'name', 'firstName', 'lastName', 'first_name', 'last_name', 'username']

export async function eraseCustomer(deps: EraseDeps, input: { customerId: string; actor: Actor }): Promise<ErasureRecord> {
  const { ops, clock } = deps
  const ids = await linkedCustomerIds(ops, input.customerId)
  const anonymousIds = ids.flatMap((id) => anonymousIdOf(id) ?? [])
  const erased = ids.map((customerId) => ({ customerId, reference: erasedReference(customerId) }))
  const reference = erasedReference(input.customerId)
  const states = await ops.engine.loadStates(ids)
  const personal = [...states.values()].flatMap((s) => PERSONAL_TRAITS.flatMap((k) => (typeof s.traits[k] === 'string' ? [s.traits[k] as string] : [])))
  // Quoted ids (JSON payloads), ids in API paths (audited refusals), and the personal traits.
  const needles = [...ids, ...anonymousIds].map((id) => JSON.stringify(id)).concat(ids.map((id) => `/customers/${encodeURIComponent(id)}`), personal)
  const at = clock.now()
  // Suppressed first: an event arriving while the stores are erased is already dropped.
  await ops.db.transaction((tx) => ops.suppressions.add(erased.map((e) => e.reference), at, input.actor, tx))
  await deps.history.eraseCustomers(ids, anonymousIds)
  // The file event log rewrites its segments outside the transaction (the SQL log's rows go in it).
  const logRecords = ops.log.transactional ? 0 : await ops.log.eraseCustomers(ids)
  const id = randomUUID()
  const operational = await ops.db.transaction(async (tx) => {
    const result = await ops.erasures.erase(erased, needles, tx)
    await ops.rules.audit.record({ at, actor: input.actor, action: 'customer.erase', entityType: 'customer', entityId: reference, details: { erasureId: id, linkedIds: ids.length - 1 } }, tx)
    await ops.erasures.createRequest({ id, reference, requestedBy: typeof input.actor === 'string' ? input.actor : input.actor.name, requestedAt: at, stores: {}, completedAt: null }, tx)
    return result
  })
  await deps.onErased?.()
  const mailFiles = deps.mailPickupDir === undefined ? 0 : await erasePickupMail(deps.mailPickupDir, operational.emailKeys, personal)
  const stores: ErasureRecord['stores'] = {
    operational: { done: true, detail: Object.entries(operational.rows).map(([table, n]) => `${table}: ${table === 'event_log' ? n + logRecords : n}`).join(', ') },
    mail: { done: true, detail: `${mailFiles} .eml file(s) removed` },
    history: { done: false, detail: 'deletion mutations running' },
  }
  await ops.erasures.updateRequest(id, stores, null)
  return (await erasureStatus(deps, id)) as ErasureRecord
}
