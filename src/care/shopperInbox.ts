// The shopper's in-app inbox as the widget reads it: a known shopper also sees what was delivered
// to the anonymous ids merged into them before the merge (later ones are sent as the known id).
import type { InboxListOptions, InboxMessage } from '../store/operational/InboxStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { mergedIdsOf } from './linkedIds.ts'

export interface ShopperInboxDeps {
  ops: Pick<OperationalStore, 'inbox' | 'identity'>
}

async function ownersOf(deps: ShopperInboxDeps, customerId: string): Promise<string[]> {
  return [customerId, ...(await mergedIdsOf(deps.ops, customerId))]
}

export async function shopperInbox(deps: ShopperInboxDeps, customerId: string, options: InboxListOptions): Promise<{ messages: InboxMessage[]; unread: number }> {
  const ids = await ownersOf(deps, customerId)
  const [messages, unread] = await Promise.all([deps.ops.inbox.list(ids, options), deps.ops.inbox.unreadCount(ids)])
  return { messages, unread }
}

/** Marks one of the shopper's messages; undefined when they have no such message. */
export async function markInboxMessage(deps: ShopperInboxDeps, input: { customerId: string; id: string; action: 'read' | 'dismiss'; now: number }): Promise<{ unread: number } | undefined> {
  const ids = await ownersOf(deps, input.customerId)
  const { inbox } = deps.ops
  const found = input.action === 'read' ? await inbox.markRead(ids, input.id, input.now) : await inbox.dismiss(ids, input.id, input.now)
  return found ? { unread: await inbox.unreadCount(ids) } : undefined
}
