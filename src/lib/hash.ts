import { createHash } from 'node:crypto'

/** Short, stable hex digest used to turn idempotency keys into ids and Message-IDs. */
export function stableHash(text: string, length = 32): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length)
}

/** 32-bit FNV-1a over a string's UTF-16 code units: fast, not cryptographic (hash tables, seed streams). */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
