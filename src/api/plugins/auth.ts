// API keys with roles, sent as Bearer tokens. Keys come from CARELOOP_API_KEYS or, on a new
// installation without any, from an admin key generated once and stored hashed.
// Roles: admin (everything), ops (rules, settings, work list supervision), approver (everything
// ops may, plus approving another person's rule change), agent (the work list).
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { AuditStore } from '../../store/operational/AuditStore.ts'
import type { Role, SettingsStore } from '../../store/operational/SettingsStore.ts'
import { HttpError } from '../errors.ts'

/** The stored roles and approver (may do what ops may, and approve the rule changes of others). */
export type ApiRole = Role | 'approver'

export interface Principal {
  role: ApiRole
  /** Who acts: the key's label (agents are told apart by their keys). */
  name: string
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined
  }
  interface FastifyContextConfig {
    /** The route writes its own audit entries: a successful call needs no generic api.write entry. */
    audited?: boolean
  }
}

export const ROLES: readonly ApiRole[] = ['admin', 'ops', 'agent', 'approver']

/** The roles each role counts as in requireRole (admin is always allowed). */
const COUNTS_AS: Record<ApiRole, readonly ApiRole[]> = {
  admin: ['admin'],
  ops: ['ops'],
  agent: ['agent'],
  approver: ['approver', 'ops'],
}

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
    keys.set(hashKey(key), { role: role as ApiRole, name: name ?? `${role}-${hashKey(key).slice(0, 6)}` })
  }
  return keys
}

export interface AuthOptions {
  configured: Map<string, Principal>
  settings: SettingsStore
  /** When given, every write (POST, PUT, PATCH, DELETE) under /api/ by an API key is audited. */
  audit?: AuditStore
  now?: () => number
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

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
  if (stored) return { role: stored.role as ApiRole, name: stored.label }
  throw new HttpError(401, 'unauthorized', 'unknown API key')
}

/** Authenticates every /api request; routes then say which roles may call them. */
export const authPlugin = fp<AuthOptions>(async (app, options) => {
  app.decorateRequest('principal', undefined)
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (!request.url.startsWith('/api/')) return
    request.principal = await authenticate(request, options)
  })
  const audit = options.audit
  if (audit) {
    const now = options.now ?? Date.now
    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = request.principal
      if (!principal || READS.has(request.method) || !request.url.startsWith('/api/')) return
      // Routes that audit their own changes need no second entry when they succeed; refusals do.
      if (request.routeOptions.config?.audited && reply.statusCode < 400) return
      const route = request.routeOptions.url ?? request.url.split('?')[0] ?? request.url
      try {
        await audit.record({
          at: now(),
          actor: { name: principal.name, role: principal.role },
          action: 'api.write',
          entityType: 'api',
          entityId: `${request.method} ${route}`,
          details: { method: request.method, url: request.url, status: reply.statusCode },
        })
      } catch (err) {
        request.log.error({ err }, 'audit entry for an API write failed')
      }
    })
  }
})

/** Allows the given roles; admin is always allowed, and approver wherever ops is. */
export function requireRole(...roles: ApiRole[]): preHandlerHookHandler {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const principal = request.principal
    if (!principal) throw new HttpError(401, 'unauthorized', 'missing API key')
    if (principal.role !== 'admin' && !COUNTS_AS[principal.role]?.some((role) => roles.includes(role))) {
      throw new HttpError(403, 'forbidden', `role ${principal.role} may not do this (needs ${['admin', ...roles].join(' or ')})`)
    }
  }
}
