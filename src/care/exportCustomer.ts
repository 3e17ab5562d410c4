// A shopper's data as one JSON document (access requests under GDPR / PIPL; docs/privacy.md): the
// known id and every anonymous id merged into it, from each store. Audited: who exported whom.
import type { Clock } from '../lib/clock.ts'
import type { CustomerState } from '../model/customer.ts'
import { anonymousCustomerId, anonymousIdOf } from '../model/identity.ts'
import type { HistoryStore, TimelineEntry } from '../store/history/HistoryStore.ts'
import type { Actor } from '../store/operational/AuditStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'

export interface ExportDeps {
  ops: OperationalStore
  history: Pick<HistoryStore, 'timeline'>
  clock: Clock
}

/** Rows read per id and kind; an export larger than this says so in `truncated`. */
const MAX_ROWS = 10_000

/** The id and the anonymous ids merged into it (a known id), as customer ids. */
export async function linkedCustomerIds(ops: Pick<OperationalStore, 'identity'>, customerId: string): Promise<string[]> {
  if (anonymousIdOf(customerId) !== undefined) return [customerId]
  return [customerId, ...(await ops.identity.anonymousIdsOf(customerId)).map(anonymousCustomerId)]
}

export async function exportCustomer(deps: ExportDeps, input: { customerId: string; actor: Actor }) {
  const { ops } = deps
  const ids = await linkedCustomerIds(ops, input.customerId)
  const states = await ops.engine.loadStates(ids)
  const perId = await Promise.all(
    ids.map(async (id) => {
      const [history, messages, tasks, notes, contacts, consent, inbox] = await Promise.all([
        deps.history.timeline(id, { limit: MAX_ROWS }),
        ops.outbox.list({ customerId: id, limit: MAX_ROWS }),
        ops.tasks.list({ customerId: id, limit: MAX_ROWS }),
        ops.notes.forCustomer(id, MAX_ROWS),
        ops.contacts.since(id, 0),
        ops.consent.list(id),
        ops.inbox.list(id, { includeDismissed: true, limit: 500 }),
      ])
      return { history, messages, tasks, notes, contacts, consent, inbox }
    }),
  )
  const all = <K extends keyof (typeof perId)[number]>(key: K) => perId.flatMap((p) => p[key] as Array<(typeof perId)[number][K][number]>)
  const history: TimelineEntry[] = all('history').sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1))
  const notes = all('notes')
  const exportedAt = deps.clock.now()
  const document = {
    customerId: input.customerId,
    linkedIds: ids.slice(1),
    exportedAt: new Date(exportedAt).toISOString(),
    profile: states.get(input.customerId) ?? null,
    linkedProfiles: ids.slice(1).flatMap((id) => (states.has(id) ? [states.get(id) as CustomerState] : [])),
    history,
    decisions: history.filter((e) => e.kind === 'decision'),
    messages: all('messages').map((m) => ({ ...m, deliveries: history.filter((e) => e.kind === 'delivery' && e.data['outbox_id'] === m.id) })),
    tasks: all('tasks').map((t) => ({ ...t, notes: notes.filter((n) => n.taskId === t.id) })),
    contacts: all('contacts'),
    consent: all('consent'),
    surveys: await ops.erasures.surveys(ids),
    inbox: all('inbox'),
    truncated: perId.some((p) => p.history.length >= MAX_ROWS || p.messages.length >= MAX_ROWS || p.tasks.length >= MAX_ROWS),
  }
  await ops.rules.audit.record({ at: exportedAt, actor: input.actor, action: 'customer.export', entityType: 'customer', entityId: input.customerId, details: { linkedIds: ids.length - 1 } })
  return document
}

export type CustomerExport = Awaited<ReturnType<typeof exportCustomer>>
