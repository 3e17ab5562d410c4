// The reviewed list of routes that take no API key. Every other route must declare its roles
// (requireRole); buildServer refuses to start otherwise, so a new route cannot be left open by
// forgetting. Adding a line here is a security decision: say what guards the route instead.
export type PublicGuard =
  /** Segment write key as the Basic-auth user name (ingest). */
  | 'write-key'
  /** Shopper token (HS256 JWT) as a Bearer token: 401 without. */
  | 'shopper-token'
  /** The path carries an HMAC-signed token (links in messages, provider callbacks). */
  | 'signed-link'
  /** The sender's own request signature (Zendesk) or the secret token its configured URL carries (Chatwoot). */
  | 'helpdesk-signature'
  /** Nothing: the route reveals nothing about shops or shoppers. */
  | 'none'

export interface PublicRoute {
  /** HTTP methods (Fastify's uppercase names; GET covers HEAD); '*' = any. */
  methods: readonly string[] | '*'
  /** Fastify's route URL, exactly, or a prefix when it ends with '*'. */
  url: string
  guard: PublicGuard
  why: string
}

export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  { methods: ['POST'], url: '/v1/track', guard: 'write-key', why: 'Segment ingest' },
  { methods: ['POST'], url: '/v1/identify', guard: 'write-key', why: 'Segment ingest' },
  { methods: ['POST'], url: '/v1/page', guard: 'write-key', why: 'Segment ingest' },
  { methods: ['POST'], url: '/v1/screen', guard: 'write-key', why: 'Segment ingest' },
  { methods: ['POST'], url: '/v1/alias', guard: 'write-key', why: 'Segment ingest' },
  { methods: ['POST'], url: '/v1/group', guard: 'write-key', why: 'Segment ingest' },
  { methods: ['POST'], url: '/v1/batch', guard: 'write-key', why: 'Segment ingest' },
  { methods: ['POST'], url: '/v1/t', guard: 'write-key', why: 'Segment ingest from a browser beacon (write key in the body, checked by /v1/track)' },
  { methods: ['GET', 'PUT'], url: '/v1/preferences', guard: 'shopper-token', why: "the shopper's own preferences, from the shop's site" },
  { methods: ['GET'], url: '/v1/inbox', guard: 'shopper-token', why: "the shopper's own in-app messages" },
  { methods: ['POST'], url: '/v1/inbox/:id/read', guard: 'shopper-token', why: "the shopper's own in-app messages" },
  { methods: ['POST'], url: '/v1/inbox/:id/dismiss', guard: 'shopper-token', why: "the shopper's own in-app messages" },
  // Browsers send CORS preflights without credentials; the answer only names methods and headers.
  { methods: ['OPTIONS'], url: '/v1/t', guard: 'none', why: 'CORS preflight' },
  { methods: ['OPTIONS'], url: '/v1/preferences', guard: 'none', why: 'CORS preflight' },
  { methods: ['OPTIONS'], url: '/v1/inbox', guard: 'none', why: 'CORS preflight' },
  { methods: ['OPTIONS'], url: '/v1/inbox/:id/read', guard: 'none', why: 'CORS preflight' },
  { methods: ['OPTIONS'], url: '/v1/inbox/:id/dismiss', guard: 'none', why: 'CORS preflight' },
  { methods: '*', url: '/l/*', guard: 'signed-link', why: 'links in messages (unsubscribe, preferences, talk, click, open, survey) and provider callbacks' },
  { methods: ['POST'], url: '/hooks/helpdesk/:id', guard: 'helpdesk-signature', why: 'helpdesk bridges report resolved tickets (docs/helpdesk.md)' },
  { methods: ['GET'], url: '/healthz', guard: 'none', why: 'liveness probe' },
  { methods: ['GET'], url: '/readyz', guard: 'none', why: 'readiness probe (says which store is down, nothing more)' },
  { methods: ['GET'], url: '/', guard: 'none', why: 'redirect to the console' },
  { methods: ['GET'], url: '/console', guard: 'none', why: 'redirect to the console' },
  { methods: ['GET'], url: '/dwell.js', guard: 'none', why: 'the dwell script shops include on product pages (docs/dwell.md)' },
  // The console's files are public; everything it shows comes from /api with the user's key.
  { methods: ['GET'], url: '/console/*', guard: 'none', why: 'console static files (data comes from /api)' },
  { methods: ['GET'], url: '/docs', guard: 'none', why: 'OpenAPI document and its viewer' },
  { methods: ['GET'], url: '/docs/*', guard: 'none', why: 'OpenAPI document and its viewer' },
]

/** The public-list entry a route falls under, if any. */
export function publicRouteOf(method: string, url: string, list: readonly PublicRoute[] = PUBLIC_ROUTES): PublicRoute | undefined {
  return list.find((entry) => {
    // Fastify answers HEAD for every GET route: the same door.
    const as = method === 'HEAD' ? 'GET' : method
    if (entry.methods !== '*' && !entry.methods.includes(as)) return false
    return entry.url.endsWith('*') ? url.startsWith(entry.url.slice(0, -1)) : url === entry.url
  })
}
