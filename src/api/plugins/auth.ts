// API keys with roles, sent as Bearer tokens. Keys come from CARELOOP_API_KEYS or, on a new
// installation without any, from an admin key generated once and stored hashed.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { Role, SettingsStore } from '../../store/operational/SettingsStore.ts'
import { HttpError } from '../errors.ts'

export interface Principal {
  role: Role
  /** Who acts: the key's label (agents are told apart by their keys). */
  name: string
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined
  }
}

export const ROLES: readonly Role[] = ['admin', 'ops', 'agent']

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** Parses `key:role[:name],…`; throws with the offending entry. */
export function parseApiKeys(spec: string | undefined): Map<string, Principal> {
  const keys = new Map<string, Principal>()
  for (const entry of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [key, role, name] = entry.split(':')
    if (!key || !role || !(ROLES as readonly string[]).includes(role)) {
      throw new Error(`CARELOOP_API_KEYS: "${entry.replace(/^[^:]*/, '***')}" must be key:role with role one of ${ROLES.join(', ')}`)
    }
    keys.set(hashKey(key), { role: role as Role, name: name ?? `${role}-${hashKey(key).slice(0, 6)}` })
  }
  return keys
}

export interface AuthOptions {
  configured: Map<string, Principal>
  settings: SettingsStore
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))
}

async function authenticate(request: FastifyRequest, options: AuthOptions): Promise<Principal | undefined> {
  const header = request.headers.authorization
  if (!header) throw new HttpError(401, 'unauthorized', 'missing Authorization: Bearer <api key>')
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  if (!match) throw new HttpError(401, 'unauthorized', 'Authorization must be "Bearer <api key>"')
  const hash = hashKey(match[1] as string)
  for (const [known, principal] of options.configured) if (sameHash(known, hash)) return principal
  const stored = await options.settings.roleOfKey(hash)
  if (stored) return { role: stored.role, name: stored.label }
  throw new HttpError(401, 'unauthorized', 'unknown API key')
}

/** Authenticates every /api request; routes then say which roles may call them. */
export const authPlugin = fp<AuthOptions>(async (app, options) => {
  app.decorateRequest('principal', undefined)
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (!request.url.startsWith('/api/')) return
    request.principal = await authenticate(request, options)
  })
})

/** Allows the given roles; admin is always allowed. */
export function requireRole(...roles: Role[]): preHandlerHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const principal = request.principal
    if (!principal) throw new HttpError(401, 'unauthorized', 'missing API key')
    if (principal.role !== 'admin' && !roles.includes(principal.role)) {
      throw new HttpError(403, 'forbidden', `role ${principal.role} may not do this (needs ${['admin', ...roles].join(' or ')})`)
    }
  }
}
