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
    /** The roles the route's requireRole allows (set by the route table from its preHandler). */
    roles?: readonly ApiRole[]
    /** The route also takes the dedicated metrics bearer token (CARELOOP_METRICS_TOKEN). */
    acceptsMetricsToken?: boolean
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
  /** A bearer token for Prometheus, accepted only on routes with config.acceptsMetricsToken. */
  metricsToken?: string
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))
}

const METRICS_PRINCIPAL: Principal = { role: 'ops', name: 'metrics-token' }

async function authenticate(request: FastifyRequest, options: AuthOptions): Promise<Principal | undefined> {
  const header = request.headers.authorization
  if (!header) throw new HttpError(401, 'unauthorized', 'missing Authorization: Bearer <api key>')
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  if (!match) throw new HttpError(401, 'unauthorized', 'Authorization must be "Bearer <api key>"')
  const hash = hashKey(match[1] as string)
  if (options.metricsToken && request.routeOptions.config?.acceptsMetricsToken && sameHash(hashKey(options.metricsToken), hash)) return METRICS_PRINCIPAL
  for (const [known, principal] of options.configured) if (sameHash(known, hash)) return principal
  const stored = await options.settings.roleOfKey(hash)
  if (stored) return { role: stored.role as ApiRole, name: stored.label }
  throw new HttpError(401, 'unauthorized', 'unknown API key')
}

/**
 * Authenticates every /api request and every route that declares roles (wherever it lives);
 * routes then say which roles may call them.
 */
export const authPlugin = fp<AuthOptions>(async (app, options) => {
  app.decorateRequest('principal', undefined)
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const roles = request.routeOptions.config?.roles
    if (!request.url.startsWith('/api/') && !roles) return
    const principal = await authenticate(request, options)
    request.principal = principal
    // The role is checked here as well as in the route's preHandler: a caller who may not use
    // the route gets 403 before its body is read or validated.
    if (principal && roles && !roleAllowed(principal.role, roles)) throw forbidden(principal.role, roles)
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

function forbidden(role: ApiRole, allowed: readonly ApiRole[]): HttpError {
  return new HttpError(403, 'forbidden', `role ${role} may not do this (needs ${[...new Set(allowed)].join(' or ')})`)
}

/** Marks a preHandler made by requireRole, so the route table can read a route's roles. */
const ROLES_OF = Symbol('careloop.roles')

type RoleCheck = preHandlerHookHandler & { [ROLES_OF]: readonly ApiRole[] }

/** Allows the given roles; admin is always allowed, and approver wherever ops is. */
export function requireRole(...roles: ApiRole[]): preHandlerHookHandler {
  const check = async (request: FastifyRequest, _reply: FastifyReply) => {
    const principal = request.principal
    if (!principal) throw new HttpError(401, 'unauthorized', 'missing API key')
    if (!roleAllowed(principal.role, roles)) throw forbidden(principal.role, ['admin', ...roles])
  }
  return Object.assign(check, { [ROLES_OF]: ['admin', ...roles] as readonly ApiRole[] }) as RoleCheck
}

/** The roles a route's preHandler(s) allow (admin always among them), or undefined when none checks roles. */
export function declaredRoles(preHandler: unknown): readonly ApiRole[] | undefined {
  const handlers = Array.isArray(preHandler) ? preHandler : [preHandler]
  for (const handler of handlers) {
    if (typeof handler === 'function' && ROLES_OF in handler) return (handler as RoleCheck)[ROLES_OF]
  }
  return undefined
}

/** Whether a principal of `role` passes a check that allows `allowed` (as requireRole decides). */
export function roleAllowed(role: ApiRole, allowed: readonly ApiRole[]): boolean {
  // Stored keys carry their role as text: an unknown one counts as nothing.
  return role === 'admin' || (COUNTS_AS[role]?.some((r) => allowed.includes(r)) ?? false)
}
