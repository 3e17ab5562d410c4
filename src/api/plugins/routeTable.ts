// Every route's door, decided when the route is registered: a route either declares the roles
// that may call it (requireRole as its preHandler) or is on the reviewed public list
// (publicRoutes.ts). Anything else stops the server from starting. The collected table is what the
// door test walks.
import type { FastifyInstance, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { declaredRoles, type ApiRole } from './auth.ts'
import { PUBLIC_ROUTES, publicRouteOf, type PublicRoute } from './publicRoutes.ts'

export type RouteAccess = { kind: 'roles'; roles: readonly ApiRole[] } | { kind: 'public'; entry: PublicRoute }

export interface RouteEntry {
  method: string
  url: string
  access: RouteAccess
  /** The route's schema (params, querystring, body), for tests that build requests. */
  schema: RouteOptions['schema']
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered after the route table, with who may call it. */
    routeTable: RouteEntry[]
  }
}

export interface RouteTableOptions {
  /** The public list (default: PUBLIC_ROUTES). */
  publicRoutes?: readonly PublicRoute[]
}

export function accessOf(method: string, url: string, preHandler: unknown, publicRoutes: readonly PublicRoute[] = PUBLIC_ROUTES): RouteAccess {
  const roles = declaredRoles(preHandler)
  if (roles) return { kind: 'roles', roles }
  const entry = publicRouteOf(method, url, publicRoutes)
  if (entry) return { kind: 'public', entry }
  throw new Error(
    `route ${method} ${url} declares no roles (preHandler: requireRole(...)) and is not on the public list (src/api/plugins/publicRoutes.ts)`,
  )
}

/** Register first in buildServer: routes registered before it are not checked. */
export const routeTablePlugin = fp<RouteTableOptions>(async (app: FastifyInstance, options) => {
  const table: RouteEntry[] = []
  app.decorate('routeTable', table)
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      const access = accessOf(method, route.url, route.preHandler, options.publicRoutes)
      table.push({ method, url: route.url, access, schema: route.schema })
      // The auth plugin authenticates routes with roles wherever they live (not only under /api).
      if (access.kind === 'roles') route.config = { ...(route.config ?? {}), roles: access.roles }
    }
  })
})
