// Customer id → slot number for the spilled states (StateSpill), kept in typed arrays instead of a
// Map of strings: the file can hold every shopper of a large shop, and a JS string and a Map entry
// per shopper cost ≈ 85 B (a 12-character id) where this costs a byte per character of the id plus
// 17–25 B. Slots are numbered 0, 1, 2… in order of first use and never freed (a spilled state keeps
// its slot), so the ids are one append-only byte array: one byte per code unit when every code unit
// is below 256 (as V8's one-byte strings), otherwise two (UTF-16, flagged `wide`). Not UTF-8: lone
// surrogates stay distinct (UTF-8 would turn them all into U+FFFD and merge ids).

import { fnv1a32 } from '../../lib/fnv1a.ts'

const EMPTY = 0

/** The index's hash of an id (FNV-1a over its UTF-16 code units). */
export const hashOf = fnv1a32

export class SlotIndex {
  private count = 0
  /** The ids' code units, slot after slot; slot s is bytes[start[s] .. start[s + 1]). */
  private bytes = new Uint8Array(16 << 10)
  private start = new Uint32Array(1025)
  private hashes = new Uint32Array(1024)
  /** 1: the slot's id is two bytes per code unit (low byte first). */
  private wide = new Uint8Array(1024)
  /** Open addressing, linear probing: slot + 1, or EMPTY. At most half full. */
  private table = new Int32Array(2048)

  /** `hash`: any function of the id to 32 bits (a test passes a weak one, to make ids collide). */
  constructor(private readonly hash: (id: string) => number = hashOf) {}

  get size(): number {
    return this.count
  }

  get(id: string): number | undefined {
    const hash = this.hash(id)
    const mask = this.table.length - 1
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const entry = this.table[at] as number
      if (entry === EMPTY) return undefined
      const slot = entry - 1
      if (this.hashes[slot] === hash && this.idIs(slot, id)) return slot
    }
  }

  /** The slot of `id`, given the next number if it has none. */
  add(id: string): number {
    const known = this.get(id)
    if (known !== undefined) return known
    const slot = this.count++
    let wide = 0
    for (let i = 0; i < id.length && wide === 0; i++) if (id.charCodeAt(i) > 0xff) wide = 1
    const size = id.length << wide
    this.grow(slot + 1, size)
    const from = this.start[slot] as number
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i)
      if (wide === 0) this.bytes[from + i] = c
      else {
        this.bytes[from + 2 * i] = c & 0xff
        this.bytes[from + 2 * i + 1] = c >>> 8
      }
    }
    this.start[slot + 1] = from + size
    this.wide[slot] = wide
    this.hashes[slot] = this.hash(id)
    this.place(slot)
    return slot
  }

  idAt(slot: number): string {
    const from = this.start[slot] as number
    const to = this.start[slot + 1] as number
    let units: Uint8Array | Uint16Array = this.bytes.subarray(from, to)
    if (this.wide[slot] === 1) {
      const wide = new Uint16Array((to - from) >> 1)
      for (let i = 0; i < wide.length; i++) wide[i] = (units[2 * i] as number) | ((units[2 * i + 1] as number) << 8)
      units = wide
    }
    let out = ''
    for (let i = 0; i < units.length; i += 4096) out += String.fromCharCode(...units.subarray(i, i + 4096))
    return out
  }

  *ids(): IterableIterator<string> {
    for (let slot = 0; slot < this.count; slot++) yield this.idAt(slot)
  }

  /** Bytes of typed arrays held (capacity, not use). */
  get byteSize(): number {
    return this.bytes.byteLength + this.start.byteLength + this.hashes.byteLength + this.wide.byteLength + this.table.byteLength
  }

  private idIs(slot: number, id: string): boolean {
    const from = this.start[slot] as number
    const wide = this.wide[slot] as number
    if ((this.start[slot + 1] as number) - from !== id.length << wide) return false
    const b = this.bytes
    if (wide === 0) {
      for (let i = 0; i < id.length; i++) if (b[from + i] !== id.charCodeAt(i)) return false
    } else for (let i = 0; i < id.length; i++) if (((b[from + 2 * i] as number) | ((b[from + 2 * i + 1] as number) << 8)) !== id.charCodeAt(i)) return false
    return true
  }

  private place(slot: number): void {
    const mask = this.table.length - 1
    let at = (this.hashes[slot] as number) & mask
    while (this.table[at] !== EMPTY) at = (at + 1) & mask
    this.table[at] = slot + 1
  }

  private grow(slots: number, size: number): void {
    const used = this.start[slots - 1] as number
    if (used + size > 0xffffffff) throw new Error('spill index: more than 4 GiB of customer ids')
    if (used + size > this.bytes.length) {
      const bytes = new Uint8Array(Math.max(this.bytes.length * 2, used + size))
      bytes.set(this.bytes)
      this.bytes = bytes
    }
    if (slots > this.hashes.length) {
      const hashes = new Uint32Array(this.hashes.length * 2)
      hashes.set(this.hashes)
      this.hashes = hashes
      const start = new Uint32Array(hashes.length + 1)
      start.set(this.start)
      this.start = start
      const wide = new Uint8Array(hashes.length)
      wide.set(this.wide)
      this.wide = wide
    }
    if (slots * 2 > this.table.length) {
      this.table = new Int32Array(this.table.length * 2)
      for (let s = 0; s < slots - 1; s++) this.place(s)
    }
  }
}
