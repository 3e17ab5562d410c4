// The sandbox's smaller stores in memory, each with what the engine, the dispatcher and the
// send-time guards use of the SQL store of the same name (src/store/operational/*Store.ts).
import type { QueueLoad, Queue } from '../../model/queue.ts'
import type { ConsentRecord, ConsentStatus, ConsentStore } from '../../store/operational/ConsentStore.ts'
import type { Contact, ContactStore } from '../../store/operational/ContactStore.ts'
import { anonymousCustomerId } from '../../model/identity.ts'
import type { IdentityStore, IdentityWrites } from '../../store/operational/IdentityStore.ts'
import { queueLoads, type Agent, type QueueStore } from '../../store/operational/QueueStore.ts'
import type { SettingsStore } from '../../store/operational/SettingsStore.ts'
import { mapPacked } from '../../lib/packedMap.ts'
import { homeOrUnowned } from './homeList.ts'
import type { MemoryTasks } from './MemoryTasks.ts'
import { fromJsonb, jsonbText, storedText, textCompare } from './values.ts'

export class MemoryQueues implements Pick<QueueStore, 'putQueue' | 'putAgent' | 'queues' | 'agents' | 'loads'> {
  private readonly queueById = new Map<string, Queue>()
  private readonly agentById = new Map<string, Agent>()

  constructor(private readonly tasks: MemoryTasks) {}

  // Rows as QueueStore maps them: columns in its order, JSONB columns as read back.
  async putQueue(q: Queue): Promise<void> {
    const hours = q.hours === null ? null : fromJsonb<Queue['hours']>(jsonbText(q.hours))
    this.queueById.set(q.id, { id: q.id, name: q.name, timezone: q.timezone, hours, capacityPerAgent: q.capacityPerAgent, skills: [...q.skills], escalateTo: q.escalateTo })
  }

  async putAgent(a: Agent): Promise<void> {
    this.agentById.set(a.id, { id: a.id, displayName: a.displayName, queues: [...a.queues], skills: [...a.skills], onShift: a.onShift, capacity: a.capacity })
  }

  async queues(): Promise<Queue[]> {
    return [...this.queueById.values()].sort((a, b) => textCompare(a.id, b.id)).map((q) => fromJsonb<Queue>(JSON.stringify(q)))
  }

  async agents(): Promise<Agent[]> {
    return [...this.agentById.values()].sort((a, b) => textCompare(a.id, b.id)).map((a) => fromJsonb<Agent>(JSON.stringify(a)))
  }

  async loads(now: number): Promise<Map<string, QueueLoad>> {
    return queueLoads(await this.queues(), await this.agents(), this.tasks.openBy(now))
  }
}

export class MemoryConsent implements Pick<ConsentStore, 'set' | 'list'> {
  private readonly byCustomer = new Map<string, ConsentRecord[]>()

  async set(customerId: string, channel: string, topic: string, status: ConsentStatus, now: number, source = 'api'): Promise<void> {
    const rows = this.byCustomer.get(customerId) ?? []
    const record = { customerId, channel, topic, status, source, updatedAt: now }
    const at = rows.findIndex((r) => r.channel === channel && r.topic === topic)
    if (at >= 0) rows[at] = record
    else rows.push(record)
    rows.sort((a, b) => textCompare(a.channel, b.channel) || textCompare(a.topic, b.topic))
    this.byCustomer.set(customerId, rows)
  }

  async list(customerId: string): Promise<ConsentRecord[]> {
    return mapPacked(this.byCustomer.get(customerId) ?? [], (r) => ({ ...r }))
  }
}

/** Where contacts live: with their shopper's stored state. */
export interface ContactHome {
  /**
   * The contacts kept with a customer's stored state, or undefined when it has none. `write`: the
   * array kept with the state (a spilled state is read back into memory); otherwise possibly a copy.
   */
  contactsOf(customerId: string, write: boolean): Contact[] | undefined
}

/**
 * The contact record. The sandbox's only reader is the send guard, asking for one shopper's contacts
 * since `contactHorizon(now, policy)`; the clock never goes back and the policy is fixed for a
 * sandbox, so a later question never reaches further back, for any shopper. A shopper's contacts
 * are kept with its state (ContactHome: the engine store; in memory while the state is held, in its
 * temp-file record when spilled), and those before the latest horizon asked for are dropped whenever
 * the shopper is contacted again: what is in memory is the held shoppers' contacts within the horizon
 * (plus one). A contact of a customer without a stored state stays in `unowned` (none in a replay: a
 * message is queued in the step that stores its customer's state).
 *
 * An id is unique per shopper here, where SQL makes it unique across shoppers: it is its message's
 * id (a hash of an idempotency key that names the shopper) or `<task id>:<n>` (a task is one
 * shopper's). A dropped contact's id may be recorded again; a message past the horizon is final
 * (sent, skipped or dead: never leased again), so that takes two keys with one hash.
 */
export class MemoryContacts implements Pick<ContactStore, 'record' | 'remove' | 'since' | 'lockCustomer'> {
  private readonly unowned = new Map<string, Contact[]>()
  /** The latest `from` asked for: contacts before it are never read again. */
  private horizon = -Infinity
  private recorded = 0

  constructor(private readonly home: ContactHome) {}

  /** Contacts of customers without a stored state, and all recorded (less those removed). */
  get counts(): { unowned: number; recorded: number } {
    let unowned = 0
    for (const rows of this.unowned.values()) unowned += rows.length
    return { unowned, recorded: this.recorded }
  }

  async record(c: Contact): Promise<boolean> {
    for (const text of [c.id, c.customerId, c.channel, c.kind, c.topic, c.sourceId, c.actor]) storedText(text)
    const rows = this.rowsOf(c.customerId)
    for (let i = rows.length - 1; i >= 0; i--) if ((rows[i] as Contact).at < this.horizon) rows.splice(i, 1)
    if (rows.some((r) => r.id === c.id)) return false
    rows.push(contact(c))
    this.recorded++
    return true
  }

  async remove(id: string, customerId: string): Promise<void> {
    const kept = this.home.contactsOf(customerId, false) ?? this.unowned.get(customerId)
    if (kept === undefined || !kept.some((r) => r.id === id)) return
    const rows = this.rowsOf(customerId)
    rows.splice(
      rows.findIndex((r) => r.id === id),
      1,
    )
    this.recorded--
    if (rows.length === 0 && rows === this.unowned.get(customerId)) this.unowned.delete(customerId)
  }

  async since(customerId: string, from: number): Promise<Contact[]> {
    this.horizon = Math.max(this.horizon, from)
    const rows = this.home.contactsOf(customerId, false) ?? this.unowned.get(customerId) ?? []
    const kept = rows.filter((c) => c.at >= from)
    return mapPacked(kept.sort((a, b) => a.at - b.at || textCompare(a.id, b.id)), contact)
  }

  async lockCustomer(): Promise<void> {}

  /** Where a customer's contacts are written: with its state, or in `unowned` when none is stored. */
  private rowsOf(customerId: string): Contact[] {
    return homeOrUnowned(this.home.contactsOf(customerId, true), this.unowned, customerId)
  }
}

/** Every contact kept or returned, in one key order (one object shape). */
function contact(c: Contact): Contact {
  return { id: c.id, customerId: c.customerId, channel: c.channel, kind: c.kind, topic: c.topic, sourceId: c.sourceId, actor: c.actor, priority: c.priority, at: c.at }
}

/** Where identity links live: with the sealed anonymous profile's stored state (MemoryEngineStore). */
export interface LinkHome {
  linkOf(customerId: string): string | undefined
  /** False when the customer has no stored state. */
  setLink(customerId: string, knownId: string): boolean
}

/**
 * Identity links, first claim wins. A link is read whenever its anonymous id shows up again, at any
 * time, so none can be forgotten; each is kept with its anonymous profile's stored state (held or
 * spilled), which the engine seals in the same commit that writes the link (src/stream/engine/
 * identity.ts). A link whose profile has no stored state stays in `unowned` (none from the engine).
 */
export class MemoryIdentity implements Pick<IdentityStore, 'write' | 'knownIdOf'> {
  readonly unowned = new Map<string, string>()

  constructor(private readonly home: LinkHome) {}

  async write(writes: IdentityWrites): Promise<void> {
    for (const l of writes.links) {
      if ((await this.knownIdOf(l.anonymousId)) !== undefined) continue
      if (!this.home.setLink(anonymousCustomerId(l.anonymousId), l.userId)) this.unowned.set(l.anonymousId, l.userId)
    }
  }

  async knownIdOf(anonymousId: string): Promise<string | undefined> {
    return this.unowned.get(anonymousId) ?? this.home.linkOf(anonymousCustomerId(anonymousId))
  }
}

export class MemorySettings implements Pick<SettingsStore, 'get' | 'putIfAbsent' | 'put'> {
  private readonly values = new Map<string, string>()

  async get<T>(key: string): Promise<T | undefined> {
    const text = this.values.get(key)
    return text === undefined ? undefined : fromJsonb<T>(text)
  }

  async putIfAbsent<T>(key: string, value: T): Promise<T> {
    if (!this.values.has(key)) this.values.set(key, jsonbText(value))
    return (await this.get<T>(key)) as T
  }

  async put<T>(key: string, value: T): Promise<void> {
    this.values.set(key, jsonbText(value))
  }
}
