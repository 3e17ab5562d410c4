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

/** Contacts held beyond twice those the last sweep kept before the next sweep. */
export const CONTACT_SWEEP_SLACK = 64

/**
 * The contact record. Only contacts at or after the latest horizon asked for are kept: the sandbox's
 * only reader is the send guard, asking for `contactHorizon(now, policy)`; the clock never goes back
 * and the policy is fixed for a sandbox, so a later question never reaches further back, for any
 * shopper. Older ones are dropped for the shopper asked about at once, and for everyone by a sweep
 * when the record has doubled since the last (plus a slack): at most 2 × (contacts within the horizon
 * at the last sweep) + the slack are held. A dropped contact's id may be recorded again; its id is
 * its message's (a hash of the idempotency key), and a message past the horizon is final (sent,
 * skipped or dead: never leased again), so that takes two keys with one hash.
 */
export class MemoryContacts implements Pick<ContactStore, 'record' | 'remove' | 'since' | 'lockCustomer'> {
  private readonly byCustomer = new Map<string, Contact[]>()
  private readonly customerOf = new Map<string, string>()
  /** The latest `from` asked for: contacts before it are never read again. */
  private horizon = -Infinity
  private keptBySweep = 0
  private recorded = 0
  /** Fewer: more sweeps, fewer contacts held (a sweep costs the contacts held; they have doubled since the last). */
  sweepSlack = CONTACT_SWEEP_SLACK

  private get sweepAbove(): number {
    return 2 * this.keptBySweep + this.sweepSlack
  }

  /** Contacts held, the most held before the next sweep, those held within the horizon, and all recorded (less those removed). */
  get counts(): { held: number; bound: number; current: number; recorded: number } {
    let current = 0
    for (const rows of this.byCustomer.values()) for (const c of rows) if (c.at >= this.horizon) current++
    return { held: this.customerOf.size, bound: this.sweepAbove, current, recorded: this.recorded }
  }

  async record(c: Contact): Promise<boolean> {
    for (const text of [c.id, c.customerId, c.channel, c.kind, c.topic, c.sourceId, c.actor]) storedText(text)
    if (this.customerOf.has(c.id)) return false
    if (this.customerOf.size >= this.sweepAbove) this.sweep()
    this.customerOf.set(c.id, c.customerId)
    const rows = this.byCustomer.get(c.customerId) ?? []
    rows.push({ ...c })
    this.byCustomer.set(c.customerId, rows)
    this.recorded++
    return true
  }

  private sweep(): void {
    for (const [customerId, rows] of this.byCustomer) {
      const kept = rows.filter((c) => c.at >= this.horizon)
      if (kept.length === rows.length) continue
      for (const c of rows) if (c.at < this.horizon) this.customerOf.delete(c.id)
      if (kept.length === 0) this.byCustomer.delete(customerId)
      else this.byCustomer.set(customerId, kept)
    }
    this.keptBySweep = this.customerOf.size
  }

  async remove(id: string): Promise<void> {
    const customerId = this.customerOf.get(id)
    if (customerId === undefined) return
    this.recorded--
    this.customerOf.delete(id)
    const rows = (this.byCustomer.get(customerId) ?? []).filter((c) => c.id !== id)
    if (rows.length > 0) this.byCustomer.set(customerId, rows)
    else this.byCustomer.delete(customerId)
  }

  async since(customerId: string, from: number): Promise<Contact[]> {
    this.horizon = Math.max(this.horizon, from)
    const rows = this.byCustomer.get(customerId)
    if (rows === undefined) return []
    const kept = rows.filter((c) => c.at >= from)
    for (const c of rows) if (c.at < from) this.customerOf.delete(c.id)
    if (kept.length === 0) this.byCustomer.delete(customerId)
    else if (kept.length < rows.length) this.byCustomer.set(customerId, kept)
    return mapPacked(kept.sort((a, b) => a.at - b.at || textCompare(a.id, b.id)), (c) => ({ ...c }))
  }

  async lockCustomer(): Promise<void> {}
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
