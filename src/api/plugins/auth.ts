// API keys with roles, sent as Bearer tokens. Keys come from CARELOOP_API_KEYS (bootstrap), from
// the managed keys (careloop keys, /api/keys; the first admin key of a new installation is one).
// Roles (src/model/apiKey.ts): admin, ops, approver, agent, and ingest, which only the Segment
// doors (/v1/*) accept: an ingest key gets 403 here.
import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { hashKey } from '../../model/apiKey.ts'
import type { AuditStore } from '../../store/operational/AuditStore.ts'
import type { Role, SettingsStore } from '../../store/operational/SettingsStore.ts'
import { HttpError } from '../errors.ts'
import type { KeyDirectory } from './keyDirectory.ts'

export { hashKey }

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
    /** A read of a shopper's data: audited as `action` on the customer or task named by the route param. */
    auditedRead?: { action: string; entityType: 'customer' | 'task'; param: string }
  }
}

export const ROLES: readonly ApiRole[] = ['admin', 'ops', 'agent', 'approver', 'ingest']

/** The roles each role counts as in requireRole (admin is always allowed). */
const COUNTS_AS: Record<ApiRole, readonly ApiRole[]> = {
  admin: ['admin'],
  ops: ['ops'],
  agent: ['agent'],
  approver: ['approver', 'ops'],
  ingest: [],
}

/** Parses `key:role[:name],…`; throws with the offending entry. */
export function parseApiKeys(spec: string | undefined): Map<string, Principal> {
  const keys = new Map<string, Principal>()
  for (const entry of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [key, role, name] = entry.split(':')
    if (!key || !role || role === 'ingest' || !(ROLES as readonly string[]).includes(role)) {
      // The bootstrap write key is CARELOOP_WRITE_KEY; further write keys are managed ingest keys.
      throw new Error(`CARELOOP_API_KEYS: "${entry.replace(/^[^:]*/, '***')}" must be key:role with role one of ${ROLES.filter((r) => r !== 'ingest').join(', ')}`)
    }
    keys.set(hashKey(key), { role: role as ApiRole, name: name ?? `${role}-${hashKey(key).slice(0, 6)}` })
  }
  return keys
}

export interface AuthOptions {
  configured: Map<string, Principal>
  settings: SettingsStore
  /** The managed keys; without it, stored keys are read through settings (no revocation, no last use). */
  keys?: KeyDirectory
  /** When given, every write (POST, PUT, PATCH, DELETE) under /api/ by an API key is audited. */
  audit?: AuditStore
  now?: () => number
  /** A bearer token for Prometheus, accepted only on routes with config.acceptsMetricsToken. */
  metricsToken?: string
  /** The bootstrap write key's hash: sent as an API key it is refused with a message saying so. */
  writeKeyHash?: string
}

const WRITE_KEY_REFUSED = 'this is the write key: it sends events to /v1/* and cannot call the API or sign in to the console; use an API key (docs/keys.md)'

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
  if (options.writeKeyHash !== undefined && sameHash(options.writeKeyHash, hash)) throw new HttpError(401, 'unauthorized', WRITE_KEY_REFUSED)
  if (options.keys) {
    const key = await options.keys.lookup(hash)
    if (key && key.revokedAt !== null) throw new HttpError(401, 'unauthorized', 'revoked API key')
    if (key) return { role: key.role, name: key.name }
    throw new HttpError(401, 'unauthorized', 'unknown API key')
  }
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
    if (principal?.role === 'ingest') throw new HttpError(403, 'forbidden', 'an ingest key may only send events (/v1/*); use an API key of another role here')
    // The role is checked here as well as in the route's preHandler: a caller who may not use
    // the route gets 403 before its body is read or validated.
    if (principal && roles && !roleAllowed(principal.role, roles)) throw forbidden(principal.role, roles)
  })
  const audit = options.audit
  if (audit) {
    const now = options.now ?? Date.now
    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = request.principal
      const read = request.routeOptions.config?.auditedRead
      if (principal && read && reply.statusCode < 400) return recordRead(audit, request, principal, read, now())
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

/** Who read which shopper's data, when: one entry per successful read. */
async function recordRead(audit: AuditStore, request: FastifyRequest, principal: Principal, read: { action: string; entityType: string; param: string }, at: number): Promise<void> {
  const params = request.params as Record<string, unknown> | undefined
  const id = params && Object.hasOwn(params, read.param) ? params[read.param] : undefined
  try {
    await audit.record({ at, actor: { name: principal.name, role: principal.role }, action: read.action, entityType: read.entityType, entityId: String(id), details: { route: request.routeOptions.url ?? '' } })
  } catch (err) {
    request.log.error({ err }, 'audit entry for a read of shopper data failed')
  }
}

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
