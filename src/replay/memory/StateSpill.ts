// Customer states the in-memory sandbox store no longer holds in memory, in a temp file: serialized
// once when evicted (least recently used first), read back when asked for again. A state keeps its
// slot while it fits (slots have room to grow), so a shopper evicted again and again does not grow
// the file; the file is rewritten without dead slots when they take more than half of it. What stays
// in memory per shopper: the id and its slot (SlotIndex: typed arrays, no string or Map entry), where
// its record is, and its partition (the scheduled-care sweep selects by it without reading the
// file). A record is the customer's ledger — its remembered ids (RememberedIds.ts), open tasks
// (MemoryTasks.ts), pending timers' records (PendingTimers.ts), contacts (MemoryContacts) and, for a
// sealed anonymous profile, the known id it was merged into (MemoryIdentity) — then its state, so
// either can be read alone.
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { makeTempDir, removeTempDir } from '../../lib/tempDir.ts'
import type { CustomerState } from '../../model/customer.ts'
import type { Contact } from '../../store/operational/ContactStore.ts'
import type { OpenTask } from './MemoryTasks.ts'
import type { PendingTimer } from './PendingTimers.ts'
import { SlotIndex } from './SlotIndex.ts'

/** What is kept with a customer's state besides the state. */
export interface Ledger {
  ids: string[]
  tasks: OpenTask[]
  timers: PendingTimer[]
  contacts: Contact[]
  link?: string
}

/** A slot of n bytes gets this much more room. */
const SLACK = 1.25
/** Dead bytes tolerated before the file is rewritten (also at least half of the file). */
const MIN_GARBAGE = 64 << 20

export class StateSpill {
  private dir: string | undefined
  private fd: number | undefined
  private end = 0
  private garbage = 0
  private generation = 0
  private readonly slotOf = new SlotIndex()
  private at = new Float64Array(1024)
  /** Bytes of the whole record, and of the ledger at its start. */
  private length = new Uint32Array(1024)
  private idsLength = new Uint32Array(1024)
  private room = new Uint32Array(1024)
  private partitions = new Int32Array(1024)
  /** Records are encoded into and read through this one buffer: no allocation per record. */
  private buffer = Buffer.allocUnsafe(64 << 10)

  /** Records written (states evicted) and read back whole, since the spill was made. */
  readonly traffic = { writes: 0, reads: 0 }

  get size(): number {
    return this.slotOf.size
  }

  ids(): IterableIterator<string> {
    return this.slotOf.ids()
  }

  has(id: string): boolean {
    return this.slotOf.get(id) !== undefined
  }

  /** The partition of a spilled state, without reading it; undefined when not spilled. */
  partitionOf(id: string): number | undefined {
    const slot = this.slotOf.get(id)
    return slot === undefined ? undefined : (this.partitions[slot] as number)
  }

  write(id: string, partition: number, state: CustomerState, ledger: { remembered?: ReadonlySet<string>; tasks?: readonly OpenTask[]; timers?: readonly PendingTimer[]; contacts?: readonly Contact[]; link?: string } = {}): void {
    const { remembered, tasks, timers, contacts, link } = ledger
    const none = (list: { length: number } | undefined): boolean => list === undefined || list.length === 0
    const empty = (remembered === undefined || remembered.size === 0) && none(tasks) && none(timers) && none(contacts) && link === undefined
    const ids = empty ? '' : JSON.stringify([[...(remembered ?? [])], tasks ?? [], timers ?? [], contacts ?? [], ...(link === undefined ? [] : [link])])
    const text = JSON.stringify(state)
    this.traffic.writes++
    const idsLength = this.encode(ids, 0)
    const length = idsLength + this.encode(text, idsLength)
    let slot = this.slotOf.get(id)
    if (slot === undefined) {
      slot = this.slotOf.add(id)
      this.grow(slot + 1)
      this.room[slot] = 0
    }
    if (length > (this.room[slot] as number)) {
      this.garbage += this.room[slot] as number
      this.at[slot] = this.end
      this.room[slot] = Math.ceil(length * SLACK)
      this.end += this.room[slot] as number
    }
    this.length[slot] = length
    this.idsLength[slot] = idsLength
    this.partitions[slot] = partition
    writeSync(this.file(), this.buffer, 0, length, this.at[slot] as number)
    if (this.garbage > MIN_GARBAGE && this.garbage * 2 > this.end) this.compact()
  }

  read(id: string): CustomerState | undefined {
    const slot = this.slotOf.get(id)
    if (slot === undefined) return undefined
    const skip = this.idsLength[slot] as number
    const bytes = this.bytes((this.length[slot] as number) - skip)
    readSync(this.file(), bytes, 0, bytes.length, (this.at[slot] as number) + skip)
    return JSON.parse(bytes.toString('utf8')) as CustomerState
  }

  /** The ledger written with a spilled state (empty when none, or not spilled). */
  ledger(id: string): Ledger {
    const slot = this.slotOf.get(id)
    const size = slot === undefined ? 0 : (this.idsLength[slot] as number)
    if (slot === undefined || size === 0) return ledgerOf('')
    const bytes = this.bytes(size)
    readSync(this.file(), bytes, 0, size, this.at[slot] as number)
    return ledgerOf(bytes.toString('utf8'))
  }

  /** A spilled state with its partition and ledger, in one read (undefined when not spilled). */
  record(id: string): { partition: number; state: CustomerState; ledger: Ledger } | undefined {
    const slot = this.slotOf.get(id)
    if (slot === undefined) return undefined
    this.traffic.reads++
    const bytes = this.bytes(this.length[slot] as number)
    readSync(this.file(), bytes, 0, bytes.length, this.at[slot] as number)
    const split = this.idsLength[slot] as number
    const state = JSON.parse(bytes.toString('utf8', split)) as CustomerState
    return { partition: this.partitions[slot] as number, state, ledger: ledgerOf(bytes.toString('utf8', 0, split)) }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    if (this.dir !== undefined) removeTempDir(this.dir)
    this.fd = undefined
    this.dir = undefined
  }

  /** UTF-8 of text into the scratch buffer at offset (grown to fit); its byte length. */
  private encode(text: string, offset: number): number {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    this.reserve(offset + text.length * 3)
    return this.buffer.write(text, offset, 'utf8')
  }

  /** The first n bytes of the scratch buffer, to read into (valid until the next read or write). */
  private bytes(n: number): Buffer {
    this.reserve(n)
    return this.buffer.subarray(0, n)
  }

  private reserve(n: number): void {
    if (n <= this.buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(n, this.buffer.length * 2))
    this.buffer.copy(grown)
    this.buffer = grown
  }

  private file(): number {
    if (this.fd === undefined) {
      this.dir ??= makeTempDir('careloop-states-')
      this.fd = openSync(join(this.dir, `states-${this.generation}`), 'w+')
    }
    return this.fd
  }

  private grow(slots: number): void {
    if (slots <= this.at.length) return
    const n = this.at.length * 2
    const copy = <T extends Float64Array | Uint32Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n)
      b.set(a)
      return b
    }
    this.at = copy(this.at, (k) => new Float64Array(k))
    this.length = copy(this.length, (k) => new Uint32Array(k))
    this.idsLength = copy(this.idsLength, (k) => new Uint32Array(k))
    this.room = copy(this.room, (k) => new Uint32Array(k))
    this.partitions = copy(this.partitions, (k) => new Int32Array(k))
  }

  /** Rewrites the live slots into a new file, tightly. */
  private compact(): void {
    const from = this.file()
    const dir = this.dir as string
    this.generation++
    const to = openSync(join(dir, `states-${this.generation}`), 'w+')
    let end = 0
    for (let slot = 0; slot < this.slotOf.size; slot++) {
      const bytes = this.bytes(this.length[slot] as number)
      readSync(from, bytes, 0, bytes.length, this.at[slot] as number)
      const room = Math.ceil(bytes.length * SLACK)
      writeSync(to, bytes, 0, bytes.length, end)
      this.at[slot] = end
      this.room[slot] = room
      end += room
    }
    closeSync(from)
    rmSync(join(dir, `states-${this.generation - 1}`), { force: true })
    this.fd = to
    this.end = end
    this.garbage = 0
  }
}

/** A ledger from its JSON text ('': none written). */
function ledgerOf(text: string): Ledger {
  if (text === '') return { ids: [], tasks: [], timers: [], contacts: [] }
  const [ids, tasks, timers, contacts, link] = JSON.parse(text) as [string[], OpenTask[], PendingTimer[], Contact[], string?]
  return link === undefined ? { ids, tasks, timers, contacts } : { ids, tasks, timers, contacts, link }
}
