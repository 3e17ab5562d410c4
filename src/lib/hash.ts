import { createHash } from 'node:crypto'

/** Short, stable hex digest used to turn idempotency keys into ids and Message-IDs. */
export function stableHash(text: string, length = 32): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length)
}
