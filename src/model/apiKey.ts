// API keys: who may call careloop, in which role. Only a key's SHA-256 hash is ever stored.
import { createHash } from 'node:crypto'

/**
 * admin (everything), ops (rules, settings, work list supervision), approver (what ops may, plus
 * approving another person's rule change), agent (the work list), ingest (a write key: the Segment
 * doors only, one per source).
 */
export const KEY_ROLES = ['admin', 'ops', 'approver', 'agent', 'ingest'] as const
export type KeyRole = (typeof KEY_ROLES)[number]

export const isKeyRole = (value: unknown): value is KeyRole => typeof value === 'string' && (KEY_ROLES as readonly string[]).includes(value)

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** A managed key as listed: never the key itself. */
export interface ApiKey {
  id: string
  name: string
  role: KeyRole
  /** The key's first characters, to tell keys apart on screen. */
  prefix: string
  /** For ingest keys: the source (shop, app, site) that sends with it. */
  source: string | null
  createdAt: number
  createdBy: string
  lastUsedAt: number | null
  revokedAt: number | null
}

/** Most characters of a key's name or source. */
export const KEY_NAME_MAX = 200
