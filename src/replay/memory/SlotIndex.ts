// Customer id → slot number for the spilled states (StateSpill), kept in typed arrays instead of a
// Map of strings: the file can hold every shopper of a large shop, and a JS string and a Map entry
// per shopper cost ≈ 85 B where this costs 2 B per UTF-16 code unit of the id plus 16–24 B. Slots are
// numbered 0, 1, 2… in order of first use and never freed (a spilled state keeps its slot), so the
// ids are one append-only array of code units. Ids are kept as UTF-16 code units, not UTF-8: lone
// surrogates stay distinct (UTF-8 would turn them all into U+FFFD and merge ids).

const EMPTY = 0

export function hashOf(id: string): number {
  // FNV-1a over the UTF-16 code units.
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class SlotIndex {
  private count = 0
  /** The ids' code units, slot after slot; slot s is chars[start[s] .. start[s + 1]). */
  private chars = new Uint16Array(16 << 10)
  private start = new Uint32Array(1025)
  private hashes = new Uint32Array(1024)
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
    this.grow(slot + 1, id.length)
    const from = this.start[slot] as number
    for (let i = 0; i < id.length; i++) this.chars[from + i] = id.charCodeAt(i)
    this.start[slot + 1] = from + id.length
    this.hashes[slot] = this.hash(id)
    this.place(slot)
    return slot
  }

  idAt(slot: number): string {
    const from = this.start[slot] as number
    const to = this.start[slot + 1] as number
    let out = ''
    for (let i = from; i < to; i += 4096) out += String.fromCharCode(...this.chars.subarray(i, Math.min(to, i + 4096)))
    return out
  }

  *ids(): IterableIterator<string> {
    for (let slot = 0; slot < this.count; slot++) yield this.idAt(slot)
  }

  /** Bytes of typed arrays held (capacity, not use). */
  get bytes(): number {
    return this.chars.byteLength + this.start.byteLength + this.hashes.byteLength + this.table.byteLength
  }

  private idIs(slot: number, id: string): boolean {
    const from = this.start[slot] as number
    if ((this.start[slot + 1] as number) - from !== id.length) return false
    for (let i = 0; i < id.length; i++) if (this.chars[from + i] !== id.charCodeAt(i)) return false
    return true
  }

  private place(slot: number): void {
    const mask = this.table.length - 1
    let at = (this.hashes[slot] as number) & mask
    while (this.table[at] !== EMPTY) at = (at + 1) & mask
    this.table[at] = slot + 1
  }

  private grow(slots: number, idLength: number): void {
    const used = this.start[slots - 1] as number
    if (used + idLength > 0xffffffff) throw new Error('spill index: more than 2^32 code units of customer ids')
    if (used + idLength > this.chars.length) {
      const chars = new Uint16Array(Math.max(this.chars.length * 2, used + idLength))
      chars.set(this.chars)
      this.chars = chars
    }
    if (slots > this.hashes.length) {
      const hashes = new Uint32Array(this.hashes.length * 2)
      hashes.set(this.hashes)
      this.hashes = hashes
      const start = new Uint32Array(hashes.length + 1)
      start.set(this.start)
      this.start = start
    }
    if (slots * 2 > this.table.length) {
      this.table = new Int32Array(this.table.length * 2)
      for (let s = 0; s < slots - 1; s++) this.place(s)
    }
  }
}
