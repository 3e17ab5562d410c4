// What every key use case shares: the stores it needs, fresh secrets, and checks of names.
import { randomBytes } from 'node:crypto'
import type { Clock } from '../../lib/clock.ts'
import { hashKey, KEY_NAME_MAX, type KeyRole } from '../../model/apiKey.ts'
import type { FieldError } from '../../rules/index.ts'
import type { Actor } from '../../store/operational/AuditStore.ts'
import type { NewApiKey } from '../../store/operational/ApiKeyStore.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'

export interface KeyDeps {
  ops: Pick<OperationalStore, 'apiKeys'>
  clock: Clock
}

export type KeyActor = Actor

/** A new secret for `role` (ingest keys look like Segment write keys: `wk_…`), its hash and display prefix. */
export function newSecret(role: KeyRole): { secret: string; fields: Omit<NewApiKey, 'name' | 'role' | 'source'> } {
  const secret = `${role === 'ingest' ? 'wk' : 'ck'}_${randomBytes(24).toString('base64url')}`
  return { secret, fields: { id: `key_${randomBytes(8).toString('hex')}`, hash: hashKey(secret), prefix: secret.slice(0, 10) } }
}

/** A name or source: 1–200 characters of well-formed text without control characters. */
export function checkLabel(value: string, path: string): FieldError | undefined {
  if (value.trim().length === 0) return { path, message: 'must not be empty' }
  if (value.length > KEY_NAME_MAX) return { path, message: `must be at most ${KEY_NAME_MAX} characters` }
  if (/[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) return { path, message: 'must be printable text (no control characters or lone surrogates)' }
  return undefined
}
